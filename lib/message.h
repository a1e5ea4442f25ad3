/* Instant messages (RFC 3428 MESSAGE): what a received one may carry and
 * how its text is made safe for a terminal or a script (parsers alone, no
 * I/O: fuzz/message.c feeds them), and what sip-answer and sip-call do
 * with one (answer, event line, --on-message command). */
#ifndef SIPLINE_MESSAGE_H
#define SIPLINE_MESSAGE_H

#include <stddef.h>

#include <osipparser2/osip_parser.h>

#include "loop.h"

/* The Content-Type sip-message sends by default, and the one received
 * messages must have (charset UTF-8 or US-ASCII, or none). */
#define SL_MESSAGE_TYPE "text/plain;charset=UTF-8"
/* The Accept of a 415 to a MESSAGE. */
#define SL_MESSAGE_ACCEPT "text/plain"
/* The largest text sip-message sends over UDP: RFC 3428 §5 keeps a
 * MESSAGE over UDP under 1300 bytes, headers included. */
#define SL_MESSAGE_UDP_MAX 1024
/* The largest text sip-message sends over TCP or TLS, and the largest
 * --message-max. */
#define SL_MESSAGE_MAX 60000
/* What sip-answer takes by default (--message-max): 413 past it. */
#define SL_MESSAGE_DEFAULT_MAX 4096
/* The most of a text an event line shows (then "..."). */
#define SL_MESSAGE_EVENT_TEXT 1000
/* --on-message commands running at once, at most: 503 past it. */
#define SL_MESSAGE_COMMANDS_MAX 8

/* How sl_message_clean treats line ends. */
enum {
	SL_MESSAGE_LINE,        /* one line for an event: every control
				 * character, '"' and '\\' become '?' */
	SL_MESSAGE_LINES,       /* text for a script: LF and TAB kept, CRLF
				 * becomes LF, other controls '?' */
};

/* Copies the text src (len bytes, NULs included) into dst (size > 0
 * bytes, always terminated), made safe: what is not UTF-8 (a byte of a bad
 * sequence), C0 and C1 controls and DEL, and the characters that reorder
 * what a terminal shows (U+2028/2029, U+202A-202E, U+2066-2069) become
 * '?' each; a character is never cut.  Returns the length written; *used
 * (may be NULL) receives how many bytes of src went in. */
size_t sl_message_clean(char *dst, size_t size, const char *src, size_t len,
			int mode, size_t *used);

/* A display name as it came (in quotes with quoted-pairs, or a bare
 * token) into buf, unquoted and cleaned as by SL_MESSAGE_LINE: for event
 * lines and the environment (a caller's, a sender's). */
void sl_clean_display_name(char *buf, size_t size, const char *src);

/* What a MESSAGE request carries, checked. */
struct sl_message {
	const char *body;       /* the body as received (NULs possible) */
	size_t len;
	char type[128];         /* its Content-Type, cleaned (one line) */
	char from[256];         /* From URI, cleaned */
	char name[130];         /* From display name, cleaned; "" none */
	char to[256];           /* To URI, cleaned */
};

/* Checks req, a MESSAGE, against what we take: a body of at most max
 * bytes (413), text/plain in UTF-8 or US-ASCII without Content-Encoding
 * (415); an empty one is taken.  Fills m (pointing into req).  Returns 0
 * or the status to refuse it with. */
int sl_message_check(const osip_message_t *req, size_t max, struct sl_message *m);

/* What sip-answer does with the MESSAGEs it receives. */
struct sl_message_config {
	char *const *argv;      /* --on-message: the command; NULL: print */
	size_t max;             /* bytes of body at most; 0: the default */
};

struct sl_server;
/* Answers req, a MESSAGE (in the dialog of call call_id, or NULL outside
 * one), per cfg (NULL: print, the default size): 200 then an event line
 * "message from=... to=... type=... length=N text=\"...\" call-id=...",
 * with cfg->argv the command run with the text on its stdin (SIP_* in its
 * environment) instead of the text in the event; 413, 415, or 503 when
 * SL_MESSAGE_COMMANDS_MAX commands are running. */
void sl_message_receive(const struct sl_message_config *cfg, struct sl_loop *loop,
			struct sl_server *srv, osip_message_t *req);

#endif
