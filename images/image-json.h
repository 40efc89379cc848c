/*
 * A small streaming JSON writer and a generic protobuf-c message printer,
 * driven by the message descriptors (used by `ckpt show`).
 *
 * Printing rules: scalars as JSON numbers (64-bit ones too) or booleans,
 * strings escaped (invalid UTF-8 becomes U+FFFD), enums as their value name
 * ("FILE_REG"; a value the schema does not know as its number), bytes as
 * {"bytes": LENGTH} only, nested messages as objects, repeated fields as
 * arrays, optional fields only when present. Keys are the .proto field names,
 * in field-number order.
 *
 * Output goes to a stdio stream; the caller checks ferror() at the end.
 */
#ifndef CKPT_IMAGES_IMAGE_JSON_H
#define CKPT_IMAGES_IMAGE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <protobuf-c/protobuf-c.h>

struct json {
	FILE *f;
	int depth;
	bool first;	/* nothing written yet in the current object/array */
	bool after_key;	/* a key was written, its value comes next */
	bool flat;	/* write the current array on one line */
};

void json_init(struct json *j, FILE *f);

/* Containers and values: as array elements, after json_key(), or at top level. */
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_double(struct json *j, double v);	/* NaN and infinities: null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_string(struct json *j, const char *s);

/* The message as an object. */
void json_message(struct json *j, const ProtobufCMessage *msg);
/*
 * The fields of msg as members of the object being written (to merge two
 * messages into one object). Fields whose name is also a field of skip (if
 * not NULL) are left out, so that keys stay unique.
 */
void json_message_fields(struct json *j, const ProtobufCMessage *msg,
			 const ProtobufCMessageDescriptor *skip);

#endif
