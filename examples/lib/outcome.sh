# examples/lib/outcome.sh: the name and meaning of a sipline exit status
# (sipline(7), EXIT STATUS), for scripts that report a call's outcome.
# POSIX sh; source it:  . examples/lib/outcome.sh; outcome_name 2  -> busy

# outcome_name STATUS: one word, for CSV files and logs.
outcome_name() {
	case $1 in
	0) echo answered ;;
	1) echo rejected ;;
	2) echo busy ;;
	3) echo declined ;;
	4) echo no-answer ;;
	5) echo not-found ;;
	6) echo auth-failed ;;
	7) echo no-response ;;
	8) echo media-lost ;;
	100) echo usage ;;
	111) echo system-failure ;;
	126) echo media-cannot-run ;;
	127) echo media-not-found ;;
	*) echo "status-$1" ;;
	esac
}

# outcome_text STATUS: what it means, for people.
outcome_text() {
	case $1 in
	0) echo "answered; the call ended normally, whoever hung up" ;;
	1) echo "rejected with a final response not listed below" ;;
	2) echo "busy (486, 600)" ;;
	3) echo "declined (603)" ;;
	4) echo "no answer (timeout and CANCEL, or 408/480/487)" ;;
	5) echo "not found (404, 484, 604)" ;;
	6) echo "authentication failed (credentials refused)" ;;
	7) echo "no response at all (server unreachable, transaction timeout)" ;;
	8) echo "media lost (no RTP from the peer for the RTP timeout)" ;;
	100) echo "usage error" ;;
	111) echo "local system failure" ;;
	126) echo "the media command could not be run" ;;
	127) echo "the media command was not found" ;;
	*) echo "not a sipline status" ;;
	esac
}
