/* Refer-To and message/sipfrag, as they come from the network (refer.h). */
#include "refer.h"

#include <errno.h>
#include <string.h>

int
sl_refer_target(const char *value, char *buf, size_t size)
{
	const char *v, *e;

	if (value == NULL || size == 0)
		return EINVAL;
	v = value + strspn(value, " \t");
	if (*v == '<') {
		v++;
		if ((e = strchr(v, '>')) == NULL)
			return EINVAL;
	} else {
		e = v + strcspn(v, "; \t");
	}
	if (e == v || (size_t)(e - v) >= size)
		return EINVAL;
	memcpy(buf, v, (size_t)(e - v));
	buf[e - v] = '\0';
	return 0;
}

int
sl_refer_sipfrag(const char *body, size_t len, int *code, char *line, size_t size)
{
	size_t n, i, j = 0;
	int c;

	if (body == NULL || len < 11 || strncmp(body, "SIP/2.0 ", 8) != 0 || size == 0)
		return EINVAL;
	for (i = 8, c = 0; i < 11; i++) {
		if (body[i] < '0' || body[i] > '9')
			return EINVAL;
		c = c * 10 + (body[i] - '0');
	}
	if (c < 100 || c > 699 || (len > 11 && body[11] != ' ' && body[11] != '\r' &&
				   body[11] != '\n'))
		return EINVAL;
	*code = c;
	for (n = 8; n < len && body[n] != '\r' && body[n] != '\n'; n++)
		;
	/* Printable, no quotes or backslashes: it goes into an event line. */
	for (i = 8; i < n && j < size - 1; i++) {
		unsigned char ch = (unsigned char)body[i];

		line[j++] = ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ? '?' : (char)ch;
	}
	line[j] = '\0';
	return 0;
}
