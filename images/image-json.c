/* JSON output of protobuf-c messages, generic over their descriptors. */
#include <inttypes.h>
#include <math.h>
#include <stddef.h>

#include "images/image-json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first = true;
	j->after_key = false;
	j->flat = false;
}

static void json_indent(struct json *j)
{
	fputc('\n', j->f);
	for (int i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

/* Before any value or key: the separator and indentation it needs. */
static void json_prefix(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first)
		fputs(j->flat ? ", " : ",", j->f);
	if (!j->flat)
		json_indent(j);
	j->first = false;
}

static void json_begin(struct json *j, char c)
{
	json_prefix(j);
	fputc(c, j->f);
	j->depth++;
	j->first = true;
}

static void json_end(struct json *j, char c)
{
	j->depth--;
	if (!j->first && !j->flat)
		json_indent(j);
	fputc(c, j->f);
	j->first = false;
}

void json_begin_object(struct json *j) { json_begin(j, '{'); }
void json_end_object(struct json *j) { json_end(j, '}'); }
void json_begin_array(struct json *j) { json_begin(j, '['); }
void json_end_array(struct json *j) { json_end(j, ']'); }

/* Length of the valid UTF-8 sequence at s (NUL-terminated), 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;	/* overlong, beyond U+10FFFF */
		return 4;
	}
	return 0;
}

static void json_quoted(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	fputc('"', f);
	while (*s) {
		switch (*s) {
		case '"': fputs("\\\"", f); s++; continue;
		case '\\': fputs("\\\\", f); s++; continue;
		case '\b': fputs("\\b", f); s++; continue;
		case '\f': fputs("\\f", f); s++; continue;
		case '\n': fputs("\\n", f); s++; continue;
		case '\r': fputs("\\r", f); s++; continue;
		case '\t': fputs("\\t", f); s++; continue;
		}
		if (*s < 0x20) {
			fprintf(f, "\\u%04x", *s);
			s++;
			continue;
		}
		n = utf8_len(s);
		if (!n) {
			/* JSON text is UTF-8: a byte that is not (a path can be anything) */
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		fwrite(s, 1, n, f);
		s += n;
	}
	fputc('"', f);
}

void json_key(struct json *j, const char *key)
{
	json_prefix(j);
	json_quoted(j->f, key);
	fputs(": ", j->f);
	j->after_key = true;
}

void json_u64(struct json *j, uint64_t v)
{
	json_prefix(j);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	json_prefix(j);
	fprintf(j->f, "%" PRId64, v);
}

void json_double(struct json *j, double v)
{
	json_prefix(j);
	if (isfinite(v))
		fprintf(j->f, "%.17g", v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, bool v)
{
	json_prefix(j);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j)
{
	json_prefix(j);
	fputs("null", j->f);
}

void json_string(struct json *j, const char *s)
{
	json_prefix(j);
	json_quoted(j->f, s);
}

/* ---- protobuf-c messages ------------------------------------------------ */

static size_t elem_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

static bool field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)msg;
	const void *ptr;

	if (f->label == PROTOBUF_C_LABEL_REQUIRED || f->label == PROTOBUF_C_LABEL_REPEATED)
		return true;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
		/* no has_ flag: absent is NULL, or the schema default's own pointer */
		ptr = *(const void *const *)(base + f->offset);
		return ptr && ptr != f->default_value;
	}
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset);
	return true;	/* proto3 scalar without presence */
}

static void json_field_value(struct json *j, const ProtobufCFieldDescriptor *f, const void *p)
{
	const ProtobufCEnumValue *ev;
	const ProtobufCMessage *sub;
	const char *s;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		json_i64(j, *(const int32_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		json_u64(j, *(const uint32_t *)p);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		json_i64(j, *(const int64_t *)p);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		json_u64(j, *(const uint64_t *)p);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		json_double(j, *(const float *)p);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		json_double(j, *(const double *)p);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		json_bool(j, *(const protobuf_c_boolean *)p);
		break;
	case PROTOBUF_C_TYPE_ENUM:
		ev = protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)p);
		if (ev)
			json_string(j, ev->name);
		else
			json_i64(j, *(const int *)p);
		break;
	case PROTOBUF_C_TYPE_STRING:
		s = *(const char *const *)p;
		if (s)
			json_string(j, s);
		else
			json_null(j);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		/* the length only: contents are registers, siginfo, pipe data */
		json_prefix(j);
		fprintf(j->f, "{\"bytes\": %zu}", ((const ProtobufCBinaryData *)p)->len);
		break;
	case PROTOBUF_C_TYPE_MESSAGE:
		sub = *(const ProtobufCMessage *const *)p;
		if (sub)
			json_message(j, sub);
		else
			json_null(j);
		break;
	}
}

void json_message_fields(struct json *j, const ProtobufCMessage *msg,
			 const ProtobufCMessageDescriptor *skip)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;
	const char *base = (const char *)msg;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];

		if (skip && protobuf_c_message_descriptor_get_field_by_name(skip, f->name))
			continue;
		if (!field_present(msg, f))
			continue;
		json_key(j, f->name);
		if (f->label != PROTOBUF_C_LABEL_REPEATED) {
			json_field_value(j, f, base + f->offset);
			continue;
		}
		size_t n = *(const size_t *)(base + f->quantifier_offset);
		const char *arr = *(const char *const *)(base + f->offset);
		size_t sz = elem_size(f->type);

		/* arrays of scalars on one line: tids, groups, auxv */
		j->flat = f->type != PROTOBUF_C_TYPE_MESSAGE;
		json_begin_array(j);
		for (size_t k = 0; k < n; k++)
			json_field_value(j, f, arr + k * sz);
		json_end_array(j);
		j->flat = false;
	}
}

void json_message(struct json *j, const ProtobufCMessage *msg)
{
	json_begin_object(j);
	json_message_fields(j, msg, NULL);
	json_end_object(j);
}
