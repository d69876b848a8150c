/* A transport that keeps what is sent and hands back one prepared message (or none). */
#ifndef MSG_CAPTURE_H
#define MSG_CAPTURE_H
#include <stdio.h>
#include <string.h>

static unsigned char sent[1 << 16];
static size_t sent_len;
static const unsigned char *reply;
static size_t reply_len;

static int cap_send(struct mdl_transport *t, const void *msg, size_t len)
{
	(void)t;
	if (len > sizeof(sent))
		return -EMSGSIZE;
	memcpy(sent, msg, len);
	sent_len = len;
	return 0;
}

static long cap_recv(struct mdl_transport *t, void *buf, size_t cap)
{
	(void)t;
	if (!reply || reply_len > cap)
		return -ESHUTDOWN;
	memcpy(buf, reply, reply_len);
	reply = NULL;
	return (long)reply_len;
}

static struct mdl_transport capture = { .send = cap_send, .recv = cap_recv };

static void print_hex(const char *what, const char *name, const unsigned char *b, size_t n)
{
	printf("%s %s ", what, name);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

/* Vectors arrive as hex on the command line: name=hex. */
static size_t from_hex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = 0;
	unsigned int byte;

	while (hex[0] && hex[1] && n < cap && sscanf(hex, "%2x", &byte) == 1) {
		out[n++] = (unsigned char)byte;
		hex += 2;
	}
	return n;
}

static const char *arg_of(int argc, char **argv, const char *name, unsigned char *out, size_t *n)
{
	size_t len = strlen(name);

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], name, len) && argv[i][len] == '=') {
			*n = from_hex(argv[i] + len + 1, out, 1 << 16);
			return argv[i];
		}
	}
	*n = 0;
	return NULL;
}
#endif
