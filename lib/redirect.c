/* Redirection targets: which Contacts of a 3xx to try, in what order, and
 * when to stop. */
#include "redirect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
sl_redirect_init(struct sl_redirect *r, const char *first)
{
	memset(r, 0, sizeof *r);
	if ((r->tried[0] = strdup(first)) == NULL)
		return ENOMEM;
	r->ntried = 1;
	return 0;
}

void
sl_redirect_free(struct sl_redirect *r)
{
	int i;

	for (i = 0; i < r->ntried; i++)
		free(r->tried[i]);
	for (i = 0; i < r->nqueue; i++)
		free(r->queue[i]);
	memset(r, 0, sizeof *r);
}

static int
known(const struct sl_redirect *r, const char *uri)
{
	int i;

	for (i = 0; i < r->ntried; i++)
		if (strcmp(r->tried[i], uri) == 0)
			return 1;
	for (i = 0; i < r->nqueue; i++)
		if (strcmp(r->queue[i], uri) == 0)
			return 1;
	return 0;
}

/* A Contact's q in thousandths: "0.5" is 500; no q, or one that does not
 * read as a q-value, is 1000. */
static int
q_of(osip_contact_t *c)
{
	osip_generic_param_t *p = NULL;
	const char *v;
	int q = 0, scale = 100;

	if (osip_contact_param_get_byname(c, "q", &p) != 0 || p == NULL || p->gvalue == NULL)
		return 1000;
	v = p->gvalue;
	if (v[0] == '1')
		return 1000;
	if (v[0] != '0')
		return 1000;
	if (v[1] == '.')
		for (v += 2; *v >= '0' && *v <= '9' && scale > 0; v++, scale /= 10)
			q += (*v - '0') * scale;
	return q;
}

int
sl_redirect_add(struct sl_redirect *r, const osip_message_t *resp)
{
	char *uris[SL_REDIRECT_MAX_TARGETS];
	int qs[SL_REDIRECT_MAX_TARGETS];
	osip_contact_t *c;
	int pos, n = 0, i, j, room;

	/* A target moves from the queue to the tried: their sum is what
	 * the arrays must hold. */
	room = SL_REDIRECT_MAX_TARGETS - r->ntried - r->nqueue;
	for (pos = 0; n < room && (c = osip_list_get(&resp->contacts, pos)) != NULL; pos++) {
		char *s = NULL;

		if (c->url == NULL || c->url->scheme == NULL || c->url->host == NULL ||
		    (strcasecmp(c->url->scheme, "sip") != 0 &&
		     strcasecmp(c->url->scheme, "sips") != 0))
			continue;
		if (osip_uri_to_str(c->url, &s) != 0)
			continue;
		if (known(r, s)) {
			osip_free(s);
			continue;
		}
		for (i = 0; i < n; i++)
			if (strcmp(uris[i], s) == 0)
				break;
		if (i < n || (uris[n] = strdup(s)) == NULL) {
			osip_free(s);
			continue;
		}
		osip_free(s);
		qs[n] = q_of(c);
		/* Highest q first; equal q keep the answer's order. */
		for (j = n; j > 0 && qs[j - 1] < qs[j]; j--) {
			char *tu = uris[j];
			int tq = qs[j];

			uris[j] = uris[j - 1];
			qs[j] = qs[j - 1];
			uris[j - 1] = tu;
			qs[j - 1] = tq;
		}
		n++;
	}
	if (n == 0)
		return 0;
	memmove(r->queue + n, r->queue, r->nqueue * sizeof *r->queue);
	memcpy(r->queue, uris, n * sizeof *uris);
	r->nqueue += n;
	return n;
}

const char *
sl_redirect_next(struct sl_redirect *r, int *limit)
{
	char *t;

	*limit = 0;
	if (r->nqueue == 0)
		return NULL;
	if (r->hops >= SL_REDIRECT_MAX_HOPS) {
		*limit = 1;
		return NULL;
	}
	t = r->queue[0];
	memmove(r->queue, r->queue + 1, --r->nqueue * sizeof *r->queue);
	r->tried[r->ntried++] = t;
	r->hops++;
	return t;
}
