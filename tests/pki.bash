# tests/pki.bash: a test CA and certificates made by openssl(1) for the TLS
# tests.  helper.bash sources this file.
#
# pki_make [DIR] makes them once into DIR (default: $BATS_FILE_TMPDIR/pki,
# so setup_file can call it and every test of the file shares them) and
# exports PKI=DIR.  Every key is P-256 (fast to make), every file PEM:
#   $PKI/ca.pem          the test CA (what SIP_CA_FILE trusts)
#   $PKI/server.pem/.key signed by the CA for localhost, sipline.test (the
#                        test domain), sip.sipline.test,
#                        127.0.0.1 and ::1
#   $PKI/rogue.pem/.key  the same names, signed by another CA (other-ca.pem)
#   $PKI/elsewhere.pem/.key  signed by the CA for elsewhere.test and
#                        192.0.2.1 only (another host)
#   $PKI/expired.pem/.key    the server's names, signed by the CA, valid in
#                        2020 only
#   $PKI/client.pem/.key signed by the CA for alice (clientAuth)
#   $PKI/server-full.pem certificate and key in one file

# pki_make [DIR]: see above.  Fails with openssl's output when it cannot.
pki_make() {
	local dir=${1:-${BATS_FILE_TMPDIR:-$(sl_tmpdir)}/pki} out
	PKI=$dir
	export PKI
	[ -e "$dir/server-full.pem" ] && return 0
	mkdir -p "$dir" || return 1
	out=$(sl_pki_make_all "$dir" 2>&1) || {
		echo "pki_make: openssl failed:" >&2
		printf '%s\n' "$out" >&2
		return 1
	}
	chmod 600 "$dir"/*.key "$dir/server-full.pem"
}

# --- internals

# sl_pki_key NAME: a fresh P-256 key in NAME.key.
sl_pki_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

# sl_pki_ca NAME CN: a self-signed CA.
sl_pki_ca() {
	sl_pki_key "$1" &&
		openssl req -new -x509 -key "$1.key" -out "$1.pem" -days 30 \
			-subj "/O=sipline tests/CN=$2" \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign
}

# sl_pki_leaf NAME CA CN SAN EKU [openssl x509 dates...]: a certificate
# for CN with subjectAltName SAN, signed by CA.
sl_pki_leaf() {
	local name=$1 ca=$2 cn=$3 san=$4 eku=$5
	shift 5
	sl_pki_key "$name" &&
		openssl req -new -key "$name.key" -out "$name.csr" -subj "/O=sipline tests/CN=$cn" &&
		printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' \
			"$san" "$eku" >"$name.ext" &&
		openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" \
			-CAcreateserial -out "$name.pem" -extfile "$name.ext" "$@" &&
		rm -f "$name.csr" "$name.ext"
}

# An expired certificate: openssl ca takes explicit dates, x509 (3.0) not.
sl_pki_expired() {
	local d=$1 san=$2
	sl_pki_key "$d/expired" &&
		openssl req -new -key "$d/expired.key" -out "$d/expired.csr" \
			-subj "/O=sipline tests/CN=localhost" &&
		mkdir -p "$d/ca.db" && : >"$d/ca.db/index" && echo 01 >"$d/ca.db/serial" &&
		cat >"$d/ca.cnf" <<-EOF &&
			[ca]
			default_ca = test
			[test]
			database = $d/ca.db/index
			serial = $d/ca.db/serial
			new_certs_dir = $d/ca.db
			default_md = sha256
			policy = any
			copy_extensions = none
			x509_extensions = ext
			[any]
			organizationName = optional
			commonName = supplied
			[ext]
			subjectAltName = $san
			basicConstraints = CA:FALSE
			extendedKeyUsage = serverAuth
		EOF
		openssl ca -batch -config "$d/ca.cnf" -cert "$d/ca.pem" -keyfile "$d/ca.key" \
			-startdate 20200101000000Z -enddate 20200201000000Z \
			-in "$d/expired.csr" -out "$d/expired.pem" -notext &&
		rm -f "$d/expired.csr"
}

sl_pki_make_all() {
	local d=$1 san='DNS:localhost,DNS:sipline.test,DNS:sip.sipline.test,IP:127.0.0.1,IP:::1'
	sl_pki_ca "$d/ca" 'sipline test CA' &&
		sl_pki_ca "$d/other-ca" 'another CA' &&
		sl_pki_leaf "$d/server" "$d/ca" localhost "$san" serverAuth,clientAuth -days 30 &&
		sl_pki_leaf "$d/rogue" "$d/other-ca" localhost "$san" serverAuth -days 30 &&
		sl_pki_leaf "$d/elsewhere" "$d/ca" elsewhere.test \
			'DNS:elsewhere.test,IP:192.0.2.1' serverAuth -days 30 &&
		sl_pki_leaf "$d/client" "$d/ca" alice 'DNS:alice.sipline.test' clientAuth -days 30 &&
		sl_pki_expired "$d" "$san" &&
		cat "$d/server.pem" "$d/server.key" >"$d/server-full.pem"
}
