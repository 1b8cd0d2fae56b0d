/*
 * cp_event_parser: decoding and validation of one casepulse ingest event (topic `case.v1`).
 *
 * A plain C API over simdjson on-demand (C++17). One `cp_parser` is reusable and NOT thread safe:
 * use one per thread. Every string view filled in by `cp_parse_event` points into buffers owned
 * by the parser and stays valid until the next call on the same parser or `cp_parser_free`.
 */
#ifndef CP_EVENT_PARSER_H
#define CP_EVENT_PARSER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque reusable parser: simdjson state plus a padded copy of the input. */
typedef struct cp_parser cp_parser;

/** Outcome of a parse. The numbers are stable. */
typedef enum cp_status {
    /** The event is valid; every field of `cp_event` is filled in. */
    CP_OK = 0,
    /** Not one JSON object in UTF-8 (broken JSON, trailing content, not an object, ...). */
    CP_MALFORMED = 1,
    /** A field breaks the event table; `error_field` names it. */
    CP_INVALID = 2,
    /** The parser could not allocate room for the message. */
    CP_TOO_LARGE = 3
} cp_status;

/** A borrowed UTF-8 byte range (not NUL-terminated). `len == 0` means absent or empty. */
typedef struct cp_str {
    const char *ptr;
    size_t len;
} cp_str;

/** Absent value of the integer enum fields of `cp_event`. */
#define CP_ABSENT (-1)

/*
 * Enum fields hold these numbers, equal to the raw values of the Swift enums in CasePulseCore:
 *   type:     0 filed, 1 decided, 2 closed, 3 voided
 *   channel:  0 online, 1 offline
 *   decision: 0 no_penalty, 1 reduced, 2 lighter, 3 standard, 4 heavier
 *   reason:   0 minor, 1 first_offense, 2 no_fault
 */

/** One decoded event. On failure only `id`, `error_field` and `error_detail` are meaningful. */
typedef struct cp_event {
    cp_str id;        /**< Also set on failure when a valid `id` was read (for NACKs). */
    cp_str producer;
    cp_str case_id;   /**< Wire field `case`. */
    cp_str agency;
    cp_str subject;   /**< len 0 when absent. */
    cp_str list_item; /**< len 0 when absent. */
    uint64_t seq;     /**< 0 when absent (a present seq is >= 1). */
    int64_t at_ns;    /**< Unix time in nanoseconds, UTC. */
    uint64_t region;  /**< Region code digits as a number. */
    int32_t region_len; /**< 6, 9 or 12. */
    int32_t type;
    int32_t channel;  /**< CP_ABSENT unless type is filed (ignored on other types). */
    int32_t decision; /**< CP_ABSENT unless type is decided (ignored on other types). */
    int32_t reason;   /**< CP_ABSENT when absent. */
    int64_t fine_fen;
    int64_t waived_fen;
    cp_str error_field;  /**< Field named by a CP_INVALID refusal; empty otherwise. */
    cp_str error_detail; /**< Short human-readable detail; for CP_INVALID it starts with the field. */
} cp_event;

/** Creates a parser; NULL when memory is exhausted. */
cp_parser *cp_parser_new(void);

/** Frees a parser (NULL is accepted). */
void cp_parser_free(cp_parser *parser);

/**
 * Parses and validates one event. `data` need not be padded or NUL-terminated: it is copied into
 * the parser's padded buffer. `now_unix_seconds` bounds `at` (at most one day ahead). Returns a
 * `cp_status`; `out` is always written.
 */
cp_status cp_parse_event(cp_parser *parser, const void *data, size_t len, int64_t now_unix_seconds,
                         cp_event *out);

/**
 * Parses an RFC 3339 date-time with offset (the syntax and calendar rules of the `at` field, no
 * range check beyond what fits in int64 nanoseconds). Returns CP_OK and writes `*out_unix_ns`, or
 * CP_INVALID and writes a NUL-terminated detail (without field prefix) into `detail`
 * (`detail_cap` bytes, may be 0).
 */
cp_status cp_parse_rfc3339(const void *text, size_t len, int64_t *out_unix_ns, char *detail,
                           size_t detail_cap);

#ifdef __cplusplus
}
#endif

#endif /* CP_EVENT_PARSER_H */
