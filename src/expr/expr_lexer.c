/* expr_lexer.c: splits an expression's text into tokens for the parser
 * (expr_parser.c). Numbers are converted here, independently of the C
 * locale: the digits are rewritten as an integer mantissa and a decimal
 * exponent ("12.5e-3" -> "125e-4") before strtod sees them, so a program
 * that set LC_NUMERIC to a comma locale still reads "1.5" as one and a half.
 * Any byte that cannot start a token is an error naming it and its column. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "expr/expr_impl.h"

/* Exponents beyond this are clamped: they overflow or underflow anyway. */
#define LEX_EXPONENT_CAP 100000

/* Character classes (ASCII only, whatever the locale). */
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_name_char(char c) { return is_name_start(c) || is_digit(c); }

/* Reports an unexpected byte at text[i]: printable ones quoted, others in hex. */
static rs_status bad_char(const char *text, int i, rs_error *err)
{
    unsigned char c = (unsigned char)text[i];
    const char *hint = "";
    if (c == '=') hint = ": use '==' to compare";
    else if (c == '&') hint = ": use '&&' for 'and'";
    else if (c == '|') hint = ": use '||' for 'or'";
    if (c < 128 && isprint(c))
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1, "unexpected character '%c'%s",
                               (char)c, hint);
    if (c < 128)
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1,
                               "unexpected control character 0x%02X", c);
    return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1,
                           "unexpected byte 0x%02X (expressions are plain ASCII)", c);
}

/* Reads the number starting at text[i] (a digit, or '.' and a digit) into
 * t; on success returns RS_OK with t->len set. */
static rs_status lex_number(const char *text, int len, int i, rs_expr_token *t, rs_error *err)
{
    /* mantissa digits without the point, at most len of them, + "e-NNNNNN" */
    char buf[RS_EXPR_MAX_LENGTH + 32];
    int nbuf = 0, j = i, scale = 0;
    while (j < len && is_digit(text[j])) buf[nbuf++] = text[j++];
    if (j < len && text[j] == '.') {
        j++;
        while (j < len && is_digit(text[j])) {
            buf[nbuf++] = text[j++];
            scale--;
        }
    }
    long exponent = 0;
    if (j < len && (text[j] == 'e' || text[j] == 'E')) {
        int k = j + 1, negative = 0;
        if (k < len && (text[k] == '+' || text[k] == '-')) negative = text[k++] == '-';
        if (k >= len || !is_digit(text[k]))
            return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1,
                                   "malformed number '%.*s': expected digits after the "
                                   "exponent '%c'",
                                   k - i > 40 ? 40 : k - i, text + i, text[j]);
        while (k < len && is_digit(text[k])) {
            if (exponent < LEX_EXPONENT_CAP) exponent = 10 * exponent + (text[k] - '0');
            k++;
        }
        if (negative) exponent = -exponent;
        j = k;
    }
    if (j < len && (is_name_char(text[j]) || text[j] == '.'))
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1,
                               "malformed number '%.*s': unexpected '%c' after it (write "
                               "'*' for a product)",
                               j - i + 1 > 40 ? 40 : j - i + 1, text + i, text[j]);
    exponent += scale;
    snprintf(buf + nbuf, sizeof buf - (size_t)nbuf, "e%ld", exponent);
    t->value = strtod(buf, NULL);
    t->len = j - i;
    if (isinf(t->value))
        return rs_error_set_at(err, RS_EINVAL, NULL, 1, i + 1,
                               "number '%.*s' is too large (the largest is about 1.8e308)",
                               t->len > 40 ? 40 : t->len, text + i);
    return RS_OK;
}

/* The operator starting at text[i] (one or two characters), or RS_TOK_END
 * if none starts there. */
static rs_expr_tok_kind lex_operator(const char *text, int len, int i, int *oplen)
{
    char c = text[i], d = i + 1 < len ? text[i + 1] : '\0';
    *oplen = 2;
    if (c == '<' && d == '=') return RS_TOK_LE;
    if (c == '>' && d == '=') return RS_TOK_GE;
    if (c == '=' && d == '=') return RS_TOK_EQ;
    if (c == '!' && d == '=') return RS_TOK_NE;
    if (c == '&' && d == '&') return RS_TOK_AND;
    if (c == '|' && d == '|') return RS_TOK_OR;
    *oplen = 1;
    switch (c) {
    case '(': return RS_TOK_LPAREN;
    case ')': return RS_TOK_RPAREN;
    case ',': return RS_TOK_COMMA;
    case '.': return RS_TOK_DOT;
    case '+': return RS_TOK_PLUS;
    case '-': return RS_TOK_MINUS;
    case '*': return RS_TOK_STAR;
    case '/': return RS_TOK_SLASH;
    case '^': return RS_TOK_CARET;
    case '!': return RS_TOK_BANG;
    case '<': return RS_TOK_LT;
    case '>': return RS_TOK_GT;
    default: return RS_TOK_END;
    }
}

/* The entry point (expr_impl.h): whitespace separates tokens and is dropped. */
rs_status rs_expr_lex(const char *text, int len, rs_expr_token **out, int *ntok,
                      rs_error *err)
{
    *out = NULL;
    *ntok = 0;
    /* Every token takes at least one byte, plus the end marker. */
    rs_expr_token *toks = malloc(((size_t)len + 1) * sizeof *toks);
    if (!toks) return rs_error_set(err, RS_ENOMEM, "out of memory lexing an expression");
    int n = 0, i = 0;
    while (i < len) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        rs_expr_token *t = &toks[n];
        t->pos = i;
        t->value = 0.0;
        if (is_digit(c) || (c == '.' && i + 1 < len && is_digit(text[i + 1]))) {
            t->kind = RS_TOK_NUMBER;
            rs_status st = lex_number(text, len, i, t, err);
            if (st != RS_OK) {
                free(toks);
                return st;
            }
        } else if (is_name_start(c)) {
            int j = i;
            while (j < len && is_name_char(text[j])) j++;
            t->kind = RS_TOK_NAME;
            t->len = j - i;
        } else {
            int oplen;
            t->kind = lex_operator(text, len, i, &oplen);
            if (t->kind == RS_TOK_END) {
                free(toks);
                return bad_char(text, i, err);
            }
            t->len = oplen;
        }
        i += t->len;
        n++;
    }
    toks[n] = (rs_expr_token){RS_TOK_END, len, 0, 0.0};
    *out = toks;
    *ntok = n + 1;
    return RS_OK;
}
