// cp_event_parser: one `case.v1` event through simdjson on-demand, validated against the
// contract's event table in a single pass over the object's fields.

#include "cp_event_parser.h"

#include <simdjson.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

using namespace simdjson;

namespace {

// Nesting allowed inside unknown fields (they are walked to check they are well-formed JSON).
constexpr int kMaxDepth = 64;
constexpr int64_t kMinAtSeconds = 946684800;          // 2000-01-01T00:00:00Z
constexpr int64_t kMaxAheadSeconds = 86400;           // at <= now + 1 day
constexpr int64_t kMaxAmount = 1000000000000LL;       // 10^12 fen
constexpr int64_t kMaxNsSeconds = 9223372035LL;       // every instant of this second fits in int64 ns

enum Field : int {
    F_ID, F_PRODUCER, F_SEQ, F_TYPE, F_CASE, F_AT, F_REGION, F_AGENCY, F_CHANNEL, F_SUBJECT,
    F_DECISION, F_REASON, F_LIST_ITEM, F_FINE, F_WAIVED, F_COUNT, F_UNKNOWN = -1
};

const char *const kFieldNames[F_COUNT] = {
    "id", "producer", "seq", "type", "case", "at", "region", "agency", "channel", "subject",
    "decision", "reason", "list_item", "fine_fen", "waived_fen",
};

Field classify(std::string_view k) {
    switch (k.size()) {
    case 2: if (k == "id") return F_ID; if (k == "at") return F_AT; break;
    case 3: if (k == "seq") return F_SEQ; break;
    case 4: if (k == "type") return F_TYPE; if (k == "case") return F_CASE; break;
    case 6:
        if (k == "region") return F_REGION;
        if (k == "agency") return F_AGENCY;
        if (k == "reason") return F_REASON;
        break;
    case 7: if (k == "channel") return F_CHANNEL; if (k == "subject") return F_SUBJECT; break;
    case 8:
        if (k == "producer") return F_PRODUCER;
        if (k == "decision") return F_DECISION;
        if (k == "fine_fen") return F_FINE;
        break;
    case 9: if (k == "list_item") return F_LIST_ITEM; break;
    case 10: if (k == "waived_fen") return F_WAIVED; break;
    default: break;
    }
    return F_UNKNOWN;
}

// ---------------------------------------------------------------------------------------------
// RFC 3339

int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
    static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool digits(const char *s, size_t n, int *value) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *value = v;
    return true;
}

void put(char *buf, size_t cap, const char *fmt, ...) {
    if (cap == 0) return;
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, cap, fmt, args);
    va_end(args);
}

constexpr const char *kNotRFC3339 =
    "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction] then Z or +HH:MM)";

// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; seconds since the epoch (UTC) and
// nanoseconds 0...999999999. Second 60 (leap second) reads as 59.999999999.
bool parse_rfc3339(const char *s, size_t n, int64_t *out_seconds, int32_t *out_nanos, char *detail,
                   size_t cap) {
    int year, month, day, hour, minute, second;
    if (n < 19 || !digits(s, 4, &year) || s[4] != '-' || !digits(s + 5, 2, &month) || s[7] != '-'
        || !digits(s + 8, 2, &day)) {
        put(detail, cap, "%s", kNotRFC3339);
        return false;
    }
    if (s[10] != 'T' && s[10] != 't') {
        put(detail, cap, "not an RFC 3339 date-time (date and time must be separated by T)");
        return false;
    }
    if (!digits(s + 11, 2, &hour) || s[13] != ':' || !digits(s + 14, 2, &minute) || s[16] != ':'
        || !digits(s + 17, 2, &second)) {
        put(detail, cap, "%s", kNotRFC3339);
        return false;
    }
    size_t i = 19;
    int32_t nanos = 0;
    if (i < n && s[i] == '.') {
        i++;
        const size_t start = i;
        int32_t scale = 100000000;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            nanos += (s[i] - '0') * scale;  // digits past the ninth get scale 0: truncated
            scale /= 10;
            i++;
        }
        if (i == start) {
            put(detail, cap, "not an RFC 3339 date-time (empty fraction)");
            return false;
        }
    }
    int64_t offset = 0;
    if (i == n) {
        put(detail, cap, "missing time zone offset (Z or +HH:MM)");
        return false;
    }
    int off_hour = 0, off_minute = 0;
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        if (n - i != 6 || !digits(s + i + 1, 2, &off_hour) || s[i + 3] != ':'
            || !digits(s + i + 4, 2, &off_minute)) {
            put(detail, cap, "bad time zone offset (Z or +HH:MM)");
            return false;
        }
        offset = (s[i] == '-' ? -1 : 1) * (off_hour * 3600 + off_minute * 60);
        i += 6;
    } else {
        put(detail, cap, "%s", kNotRFC3339);
        return false;
    }
    if (i != n) {
        put(detail, cap, "%s", kNotRFC3339);
        return false;
    }
    if (month < 1 || month > 12) {
        put(detail, cap, "month %02d does not exist", month);
        return false;
    }
    if (day < 1 || day > days_in_month(year, month)) {
        put(detail, cap, "day %02d does not exist in %04d-%02d", day, year, month);
        return false;
    }
    if (hour > 23) {
        put(detail, cap, "hour %02d out of range", hour);
        return false;
    }
    if (minute > 59) {
        put(detail, cap, "minute %02d out of range", minute);
        return false;
    }
    if (second > 60) {
        put(detail, cap, "second %02d out of range", second);
        return false;
    }
    if (off_hour > 23) {
        put(detail, cap, "offset hour %02d out of range", off_hour);
        return false;
    }
    if (off_minute > 59) {
        put(detail, cap, "offset minute %02d out of range", off_minute);
        return false;
    }
    if (second == 60) {
        second = 59;
        nanos = 999999999;
    }
    *out_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
                   - offset;
    *out_nanos = nanos;
    return true;
}

// ---------------------------------------------------------------------------------------------
// JSON scalars

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct Number {
    bool negative = false;
    bool integral = true;   // no fraction, no exponent
    bool overflow = false;  // integer part does not fit in uint64
    uint64_t magnitude = 0;
};

// RFC 8259 number grammar on a raw token (which may carry trailing whitespace).
bool scan_number(std::string_view token, Number *number) {
    size_t n = token.size();
    while (n > 0 && is_ws(token[n - 1])) n--;
    size_t i = 0;
    if (i < n && token[i] == '-') {
        number->negative = true;
        i++;
    }
    if (i >= n) return false;
    if (token[i] == '0') {
        i++;
    } else if (token[i] >= '1' && token[i] <= '9') {
        while (i < n && token[i] >= '0' && token[i] <= '9') {
            const uint64_t d = static_cast<uint64_t>(token[i] - '0');
            if (number->magnitude > (UINT64_MAX - d) / 10) number->overflow = true;
            number->magnitude = number->magnitude * 10 + d;
            i++;
        }
    } else {
        return false;
    }
    if (i < n && token[i] == '.') {
        number->integral = false;
        i++;
        const size_t start = i;
        while (i < n && token[i] >= '0' && token[i] <= '9') i++;
        if (i == start) return false;
    }
    if (i < n && (token[i] == 'e' || token[i] == 'E')) {
        number->integral = false;
        i++;
        if (i < n && (token[i] == '+' || token[i] == '-')) i++;
        const size_t start = i;
        while (i < n && token[i] >= '0' && token[i] <= '9') i++;
        if (i == start) return false;
    }
    return i == n;
}

size_t code_points(std::string_view s) {
    size_t count = 0;
    for (const char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

// Which bytes a token may hold, one bit per kind of token: looked up, not tested, per byte.
enum TokenKind : uint8_t { T_PRODUCER = 1, T_AGENCY = 2 };

struct TokenTable {
    uint8_t bits[256] = {};
    constexpr TokenTable() {
        for (int c = 0; c < 256; c++) {
            const bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                              || c == '_' || c == '-';
            bits[c] = static_cast<uint8_t>((word || c == '.' ? T_PRODUCER : 0) | (word ? T_AGENCY : 0));
        }
    }
};

constexpr TokenTable kTokenTable;

// Walks a value completely so that broken JSON inside it is noticed (on-demand skips lazily).
bool well_formed(ondemand::value value, int depth) {
    ondemand::json_type type;
    if (value.type().get(type)) return false;
    switch (type) {
    case ondemand::json_type::object: {
        if (depth >= kMaxDepth) return false;
        ondemand::object object;
        if (value.get_object().get(object)) return false;
        for (auto field : object) {
            std::string_view key;
            if (field.unescaped_key().get(key)) return false;
            ondemand::value child;
            if (field.value().get(child)) return false;
            if (!well_formed(child, depth + 1)) return false;
        }
        return true;
    }
    case ondemand::json_type::array: {
        if (depth >= kMaxDepth) return false;
        ondemand::array array;
        if (value.get_array().get(array)) return false;
        for (auto element : array) {
            ondemand::value child;
            if (element.get(child)) return false;
            if (!well_formed(child, depth + 1)) return false;
        }
        return true;
    }
    case ondemand::json_type::string: {
        std::string_view s;
        return !value.get_string().get(s);
    }
    case ondemand::json_type::number: {
        Number number;
        return scan_number(value.raw_json_token(), &number);
    }
    case ondemand::json_type::boolean: {
        bool b;
        return !value.get_bool().get(b);
    }
    case ondemand::json_type::null: {
        bool null = false;
        return !value.is_null().get(null) && null;
    }
    }
    return false;
}

const char *type_name(ondemand::json_type type) {
    switch (type) {
    case ondemand::json_type::object: return "an object";
    case ondemand::json_type::array: return "an array";
    case ondemand::json_type::string: return "a string";
    case ondemand::json_type::number: return "a number";
    case ondemand::json_type::boolean: return "a boolean";
    case ondemand::json_type::null: return "null";
    }
    return "unknown";
}

cp_str view(std::string_view s) { return cp_str{s.data(), s.size()}; }

}  // namespace

// ---------------------------------------------------------------------------------------------

struct cp_parser {
    ondemand::parser json;
    uint8_t *buffer = nullptr;
    size_t capacity = 0;
    char detail[256] = {0};

    ~cp_parser() { delete[] buffer; }
};

namespace {

struct Run {
    cp_parser *parser;
    cp_event *out;
    int64_t now;
    bool invalid = false;   // first invalid field already recorded
    bool malformed = false;

    // Records the first invalid field; later ones are checked for well-formedness only.
    void refuse(Field field, const char *fmt, ...) {
        if (invalid) return;
        invalid = true;
        const char *name = kFieldNames[field];
        out->error_field = cp_str{name, std::strlen(name)};
        const int prefix = std::snprintf(parser->detail, sizeof parser->detail, "%s: ", name);
        va_list args;
        va_start(args, fmt);
        std::vsnprintf(parser->detail + prefix, sizeof parser->detail - static_cast<size_t>(prefix),
                       fmt, args);
        va_end(args);
    }

    void broken(const char *fmt, ...) {
        malformed = true;
        va_list args;
        va_start(args, fmt);
        std::vsnprintf(parser->detail, sizeof parser->detail, fmt, args);
        va_end(args);
    }

    // Type check common to every known field: `type` is `value`'s. Returns true when it is
    // `expected`; otherwise records the refusal (or the malformation) and returns false.
    bool expect(Field field, ondemand::value &value, ondemand::json_type type,
                ondemand::json_type expected, const char *what) {
        if (type == expected) return true;
        if (!well_formed(value, 0)) {
            broken("not valid JSON (value of \"%s\")", kFieldNames[field]);
            return false;
        }
        refuse(field, "must be %s, not %s", what, type_name(type));
        return false;
    }

    // A string's contents. Without a backslash they are the input's own bytes between the
    // quotes (stage 1 validated their UTF-8, and there is nothing to unescape), so they are lent
    // from the input; otherwise simdjson unescapes them into its string buffer. Either stays
    // valid until the next parse.
    bool string(Field field, ondemand::value &value, ondemand::json_type type, std::string_view *s) {
        if (!expect(field, value, type, ondemand::json_type::string, "a string")) return false;
        const std::string_view token = value.raw_json_token();  // from the opening quote
        size_t n = token.size();
        while (n > 0 && is_ws(token[n - 1])) n--;
        if (n >= 2 && token[n - 1] == '"' && std::memchr(token.data() + 1, '\\', n - 2) == nullptr) {
            *s = token.substr(1, n - 2);  // left unconsumed: the object's iteration steps over it
            return true;
        }
        if (value.get_string().get(*s)) {
            broken("not valid JSON (bad string in \"%s\")", kFieldNames[field]);
            return false;
        }
        return true;
    }

    // Free text of 1...max Unicode characters.
    void text(Field field, ondemand::value &value, ondemand::json_type type, size_t max,
              cp_str *slot) {
        std::string_view s;
        if (!string(field, value, type, &s)) return;
        // A character is 1 to 4 bytes: only a text of more than `max` bytes needs counting.
        const size_t count = s.size() <= max ? s.size() : code_points(s);
        if (count < 1 || count > max) {
            refuse(field, "must be 1 to %zu characters, got %zu", max, count);
            return;
        }
        *slot = view(s);
    }

    void token(Field field, ondemand::value &value, ondemand::json_type type, size_t max,
               TokenKind kind, const char *pattern, cp_str *slot) {
        std::string_view s;
        if (!string(field, value, type, &s)) return;
        bool ok = !s.empty() && s.size() <= max;
        uint8_t all = kind;
        for (size_t i = 0; ok && i < s.size(); i++) all &= kTokenTable.bits[static_cast<unsigned char>(s[i])];
        if (!ok || all == 0) {
            refuse(field, "must match %s", pattern);
            return;
        }
        *slot = view(s);
    }

    void choice(Field field, ondemand::value &value, ondemand::json_type type,
                const char *const *names, int count, const char *list, int32_t *slot) {
        std::string_view s;
        if (!string(field, value, type, &s)) return;
        for (int i = 0; i < count; i++) {
            if (s == names[i]) {
                *slot = i;
                return;
            }
        }
        refuse(field, "must be one of %s", list);
    }

    // JSON integer in [min, max].
    bool integer(Field field, ondemand::value &value, ondemand::json_type type, int64_t min,
                 int64_t max, int64_t *result) {
        if (!expect(field, value, type, ondemand::json_type::number, "an integer")) return false;
        Number number;
        if (!scan_number(value.raw_json_token(), &number)) {
            broken("not valid JSON (bad number in \"%s\")", kFieldNames[field]);
            return false;
        }
        if (!number.integral) {
            refuse(field, "must be an integer, not a fraction or exponent");
            return false;
        }
        if (number.negative) {  // -0 included: a JSON integer in range carries no sign
            refuse(field, "must be %lld to %lld, got a negative number", static_cast<long long>(min),
                   static_cast<long long>(max));
            return false;
        }
        if (number.overflow || number.magnitude > static_cast<uint64_t>(max)
            || static_cast<int64_t>(number.magnitude) < min) {
            refuse(field, "must be %lld to %lld", static_cast<long long>(min),
                   static_cast<long long>(max));
            return false;
        }
        *result = static_cast<int64_t>(number.magnitude);
        return true;
    }

    void region(ondemand::value &value, ondemand::json_type type) {
        std::string_view s;
        if (!string(F_REGION, value, type, &s)) return;
        bool ok = s.size() == 6 || s.size() == 9 || s.size() == 12;
        uint64_t code = 0;
        for (size_t i = 0; ok && i < s.size(); i++) {
            ok = s[i] >= '0' && s[i] <= '9';
            code = code * 10 + static_cast<uint64_t>(s[i] - '0');
        }
        if (!ok) {
            refuse(F_REGION, "must be 6, 9 or 12 digits");
            return;
        }
        out->region = code;
        out->region_len = static_cast<int32_t>(s.size());
    }

    void at(ondemand::value &value, ondemand::json_type type) {
        std::string_view s;
        if (!string(F_AT, value, type, &s)) return;
        char reason[160];
        int64_t seconds = 0;
        int32_t nanos = 0;
        if (!parse_rfc3339(s.data(), s.size(), &seconds, &nanos, reason, sizeof reason)) {
            refuse(F_AT, "%s", reason);
            return;
        }
        if (seconds < kMinAtSeconds) {
            refuse(F_AT, "before 2000-01-01T00:00:00Z");
            return;
        }
        const int64_t limit = now > kMaxNsSeconds - kMaxAheadSeconds ? kMaxNsSeconds
                                                                      : now + kMaxAheadSeconds;
        if (seconds > limit || (seconds == limit && nanos > 0)) {
            refuse(F_AT, "more than 1 day ahead of now");
            return;
        }
        out->at_ns = seconds * 1000000000LL + nanos;
    }
};

const char *const kTypes[] = {"filed", "decided", "closed", "voided"};
const char *const kChannels[] = {"online", "offline"};
const char *const kDecisions[] = {"no_penalty", "reduced", "lighter", "standard", "heavier"};
const char *const kReasons[] = {"minor", "first_offense", "no_fault"};

cp_status finish_malformed(Run &run) {
    run.out->error_field = cp_str{"", 0};
    run.out->error_detail = cp_str{run.parser->detail, std::strlen(run.parser->detail)};
    return CP_MALFORMED;
}

cp_status fail_json(Run &run, error_code error, const char *where) {
    switch (error) {
    case UTF8_ERROR: run.broken("not valid UTF-8"); break;
    case EMPTY: run.broken("empty message"); break;
    case INCOMPLETE_ARRAY_OR_OBJECT:
        run.broken("not valid JSON (unclosed object or array, or content after the object)");
        break;
    case MEMALLOC:
    case CAPACITY:
        std::snprintf(run.parser->detail, sizeof run.parser->detail, "message too large to parse");
        run.out->error_detail = cp_str{run.parser->detail, std::strlen(run.parser->detail)};
        return CP_TOO_LARGE;
    default: run.broken("not valid JSON (%s: %s)", where, error_message(error)); break;
    }
    return finish_malformed(run);
}

}  // namespace

extern "C" {

cp_parser *cp_parser_new(void) { return new (std::nothrow) cp_parser(); }

void cp_parser_free(cp_parser *parser) { delete parser; }

cp_status cp_parse_event(cp_parser *parser, const void *data, size_t len, int64_t now_unix_seconds,
                         cp_event *out) {
    *out = cp_event{};
    out->channel = out->decision = out->reason = out->type = CP_ABSENT;
    parser->detail[0] = '\0';
    Run run{parser, out, now_unix_seconds};

    // ZeroMQ frames are not padded: copy into a reusable buffer with SIMDJSON_PADDING.
    if (len > SIZE_MAX - SIMDJSON_PADDING) return fail_json(run, CAPACITY, "input");
    const size_t needed = len + SIMDJSON_PADDING;
    if (needed > parser->capacity) {
        size_t capacity = parser->capacity < 4096 ? 4096 : parser->capacity;
        while (capacity < needed) capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        uint8_t *buffer = new (std::nothrow) uint8_t[capacity];
        if (buffer == nullptr) return fail_json(run, MEMALLOC, "input");
        delete[] parser->buffer;
        parser->buffer = buffer;
        parser->capacity = capacity;
    }
    if (len > 0) std::memcpy(parser->buffer, data, len);
    std::memset(parser->buffer + len, 0, SIMDJSON_PADDING);

    ondemand::document doc;
    error_code error = parser->json.iterate(padded_string_view(parser->buffer, len, parser->capacity))
                           .get(doc);
    if (error) return fail_json(run, error, "document");
    ondemand::object object;
    error = doc.get_object().get(object);
    if (error == INCORRECT_TYPE) {
        run.broken("not a JSON object");
        return finish_malformed(run);
    }
    if (error) return fail_json(run, error, "object");

    uint32_t seen = 0;
    for (auto member : object) {
        // A key without a backslash is the input's own bytes up to its closing quote (stage 1
        // made sure there is one; the zeroed padding stops the scan at worst).
        ondemand::field entry;
        if ((error = std::move(member).get(entry))) return fail_json(run, error, "key");
        std::string_view key;
        const char *const raw = entry.key().raw();
        const char *end = raw;
        while (*end != '"' && *end != '\\' && *end != '\0') end++;
        if (*end == '"') {
            key = std::string_view(raw, static_cast<size_t>(end - raw));
        } else if ((error = entry.unescaped_key().get(key))) {
            return fail_json(run, error, "key");
        }
        ondemand::value &value = entry.value();
        const Field field = classify(key);
        if (field == F_UNKNOWN) {
            if (!well_formed(value, 0)) {
                run.broken("not valid JSON (value of unknown field)");
                return finish_malformed(run);
            }
            continue;
        }
        if (seen & (1u << field)) {
            run.refuse(field, "duplicate field");
            if (!well_formed(value, 0)) {
                run.broken("not valid JSON (value of \"%s\")", kFieldNames[field]);
                return finish_malformed(run);
            }
            continue;
        }
        seen |= 1u << field;
        ondemand::json_type type;
        if (value.type().get(type)) {
            run.broken("not valid JSON (value of \"%s\")", kFieldNames[field]);
            return finish_malformed(run);
        }
        if (type == ondemand::json_type::null) {
            bool null = false;
            if (value.is_null().get(null) || !null) {
                run.broken("not valid JSON (value of \"%s\")", kFieldNames[field]);
                return finish_malformed(run);
            }
            const bool number_field = field == F_SEQ || field == F_FINE || field == F_WAIVED;
            run.refuse(field, "must be %s, not null", number_field ? "an integer" : "a string");
            continue;
        }
        int64_t number = 0;
        switch (field) {
        case F_ID: run.text(F_ID, value, type, 128, &out->id); break;
        case F_CASE: run.text(F_CASE, value, type, 128, &out->case_id); break;
        case F_SUBJECT: run.text(F_SUBJECT, value, type, 64, &out->subject); break;
        case F_LIST_ITEM: run.text(F_LIST_ITEM, value, type, 64, &out->list_item); break;
        case F_PRODUCER:
            run.token(F_PRODUCER, value, type, 64, T_PRODUCER, "[A-Za-z0-9._-]{1,64}", &out->producer);
            break;
        case F_AGENCY:
            run.token(F_AGENCY, value, type, 32, T_AGENCY, "[A-Za-z0-9_-]{1,32}", &out->agency);
            break;
        case F_REGION: run.region(value, type); break;
        case F_AT: run.at(value, type); break;
        case F_TYPE:
            run.choice(F_TYPE, value, type, kTypes, 4, "filed, decided, closed, voided", &out->type);
            break;
        case F_CHANNEL:
            run.choice(F_CHANNEL, value, type, kChannels, 2, "online, offline", &out->channel);
            break;
        case F_DECISION:
            run.choice(F_DECISION, value, type, kDecisions, 5,
                       "no_penalty, reduced, lighter, standard, heavier", &out->decision);
            break;
        case F_REASON:
            run.choice(F_REASON, value, type, kReasons, 3, "minor, first_offense, no_fault",
                       &out->reason);
            break;
        case F_SEQ:
            if (run.integer(F_SEQ, value, type, 1, INT64_MAX, &number)) {
                out->seq = static_cast<uint64_t>(number);
            }
            break;
        case F_FINE:
            if (run.integer(F_FINE, value, type, 0, kMaxAmount, &number)) out->fine_fen = number;
            break;
        case F_WAIVED:
            if (run.integer(F_WAIVED, value, type, 0, kMaxAmount, &number)) out->waived_fen = number;
            break;
        default: break;
        }
        if (run.malformed) return finish_malformed(run);
    }
    // The loop ends at the object's closing brace: anything after it is trailing content.
    const char *rest = nullptr;
    error = doc.current_location().get(rest);
    if (error == SUCCESS) {
        run.broken("trailing content after the JSON object");
        return finish_malformed(run);
    }
    if (error != OUT_OF_BOUNDS) return fail_json(run, error, "end");

    static const Field kRequired[] = {F_ID, F_PRODUCER, F_TYPE, F_CASE, F_AT, F_REGION, F_AGENCY};
    for (const Field field : kRequired) {
        if (!(seen & (1u << field))) run.refuse(field, "missing");
    }
    if (!run.invalid && out->type == 0 && !(seen & (1u << F_CHANNEL))) {
        run.refuse(F_CHANNEL, "required when type is filed");
    }
    if (!run.invalid && out->type == 1 && !(seen & (1u << F_DECISION))) {
        run.refuse(F_DECISION, "required when type is decided");
    }
    if (run.invalid) {
        out->error_detail = cp_str{parser->detail, std::strlen(parser->detail)};
        return CP_INVALID;
    }
    // Allowed and ignored on other types (Protocols/PROTOCOL.md §2.2).
    if (out->type != 0) out->channel = CP_ABSENT;
    if (out->type != 1) out->decision = CP_ABSENT;
    return CP_OK;
}

cp_status cp_parse_rfc3339(const void *text, size_t len, int64_t *out_unix_ns, char *detail,
                           size_t detail_cap) {
    int64_t seconds = 0;
    int32_t nanos = 0;
    if (!parse_rfc3339(static_cast<const char *>(text), len, &seconds, &nanos, detail, detail_cap)) {
        return CP_INVALID;
    }
    // Negative times borrow one second first so that INT64_MIN itself is reachable.
    const bool borrow = seconds < 0 && nanos > 0;
    int64_t ns = 0;
    if (__builtin_mul_overflow(seconds + (borrow ? 1 : 0), INT64_C(1000000000), &ns)
        || __builtin_add_overflow(ns, nanos - (borrow ? INT64_C(1000000000) : 0), &ns)) {
        put(detail, detail_cap, "out of the range of 64-bit nanoseconds");
        return CP_INVALID;
    }
    *out_unix_ns = ns;
    if (detail_cap > 0) detail[0] = '\0';
    return CP_OK;
}

}  // extern "C"
