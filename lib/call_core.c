/* The driver of a call's state machine, and what every part of a call
 * uses: an event goes to the machine (call_fsm.c), and each action it
 * answers with to the call's executor (call.c), in order. */
#include "call_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
sl_call_step(struct sl_call *c, const struct sl_call_ev *ev)
{
	struct sl_call_acts acts;
	struct sl_call_ev next;
	enum sl_call_state was;
	int i;

	if (c->stepping) {
		/* An action's outcome: taken once the actions of this step
		 * are carried out, so that they run in the order given. */
		if (c->nqueue < SL_CALL_QUEUE_MAX)
			c->queue[c->nqueue++] = *ev;
		else
			sl_warn("call %s: event %d dropped", c->call_id, ev->type);
		return;
	}
	c->stepping = 1;
	for (;;) {
		was = c->fsm.state;
		sl_call_fsm_step(&c->fsm, ev, &acts);
		if (c->fsm.state != was)
			sl_debug("call %s: %s -> %s", c->call_id, sl_call_state_name(was),
				 sl_call_state_name(c->fsm.state));
		if (c->fsm.state >= SL_CALL_ENDED && !c->over_told) {
			c->over_told = 1;
			if (c->cfg.on_over)
				c->cfg.on_over(c->cfg.over_arg);
		}
		for (i = 0; i < acts.n; i++)
			c->exec(c, &acts.a[i]);
		if (c->nqueue == 0)
			break;
		next = c->queue[0];
		memmove(c->queue, c->queue + 1, --c->nqueue * sizeof c->queue[0]);
		ev = &next;
	}
	c->stepping = 0;
}

void
sl_call_event(struct sl_call *c, enum sl_call_ev_type type)
{
	struct sl_call_ev ev = { .type = type };

	sl_call_step(c, &ev);
}

/* ---- text from the network ---- */

void
sl_call_clean(char *dst, size_t size, const char *src)
{
	size_t i, j = 0;

	if (src == NULL)
		src = "";
	for (i = 0; src[i] && j < size - 1; i++) {
		unsigned char ch = (unsigned char)src[i];

		if (ch == '"' && (i == 0 || src[i + 1] == '\0'))
			continue;       /* the quotes around a display name */
		dst[j++] = (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\') ? '?' : (char)ch;
	}
	dst[j] = '\0';
}

void
sl_call_uri_text(const osip_uri_t *u, char *buf, size_t size)
{
	char *s = NULL;

	if (u && osip_uri_to_str(u, &s) == 0) {
		sl_call_clean(buf, size, s);
		osip_free(s);
	} else {
		snprintf(buf, size, "?");
	}
}

const char *
sl_call_tag(osip_from_t *f)
{
	osip_generic_param_t *t = NULL;

	if (f && osip_from_get_tag(f, &t) == 0 && t && t->gvalue)
		return t->gvalue;
	return "";
}

/* The messages of a call are matched by all of its Call-ID: a Call-ID has
 * no length limit, only its cleaned copy for events and the environment
 * is cut. */
int
sl_call_set_id(struct sl_call *c, const osip_message_t *msg)
{
	const char *num, *host;
	char *s;
	size_t n;

	if (msg->call_id == NULL || msg->call_id->number == NULL) {
		s = strdup("");
	} else {
		num = msg->call_id->number;
		host = msg->call_id->host;
		n = strlen(num) + (host ? strlen(host) + 1 : 0) + 1;
		if ((s = malloc(n)) != NULL)
			snprintf(s, n, host ? "%s@%s" : "%s", num, host);
	}
	if (s == NULL)
		return ENOMEM;
	free(c->cid);
	c->cid = s;
	sl_call_clean(c->call_id, sizeof c->call_id, c->cid);
	return 0;
}

int
sl_call_same_id(const struct sl_call *c, const osip_message_t *msg)
{
	const char *num, *host, *cid = c->cid;
	size_t n;

	if (cid == NULL || *cid == '\0' || msg->call_id == NULL || msg->call_id->number == NULL)
		return 0;
	num = msg->call_id->number;
	host = msg->call_id->host;
	n = strlen(num);
	if (strncmp(cid, num, n) != 0)
		return 0;
	return host ? cid[n] == '@' && strcmp(cid + n + 1, host) == 0 : cid[n] == '\0';
}
