/*
 * client_tls.c: TLS for the native engine's connections, with OpenSSL.
 *
 * Memory BIOs, not socket BIOs. Each session reads from one memory BIO (tls_in) and writes to
 * another (tls_out); the connection (client_conn.c) does the socket's system calls itself. So
 * TLS keeps the plain engine's accounting of system calls: one recv() of ciphertext, handed to
 * OpenSSL whole, then SSL_read until it wants more; one send() of everything SSL_write sealed
 * (a batch of pipelined requests is one SSL_write, one send()). OpenSSL never blocks and never
 * sees the descriptor, so its WANT_READ / WANT_WRITE come down to "feed me more" (the input BIO
 * is empty) and the write side cannot be short (a memory BIO takes everything), which is what
 * SSL_MODE_ENABLE_PARTIAL_WRITE and read-ahead buy a socket BIO. The output BIO is reset once
 * all of it is sent, so its buffer is reused without moving or allocating.
 *
 * Sessions. One context for the whole run (shared by the workers: read-only once made). The
 * session cache is each worker's own, a ring of the last HC_CLIENT_MAX_TLS_SESSIONS sessions
 * the server gave on any of the worker's connections (a TLS 1.3 ticket arrives after the
 * handshake, two after a full one and one after a resumption with OpenSSL's servers; a TLS
 * 1.2 session with the handshake), used to resume the next connections, so reconnects after a
 * server's keepalive_requests cost no full handshake. A connection takes the newest. A TLS
 * 1.3 ticket is for one use (RFC 8446 C.4; OpenSSL's client marks it unresumable once it is
 * offered): it leaves the ring, and the ticket the resumed connection gets replaces it, so
 * connections that reconnect at the same moment each have their own. A TLS 1.2 session stays
 * for every reconnect. The native engine talks to one target, so the ring is the cache per
 * target.
 *
 * Verification. Unless insecure, the chain is verified against the CA file or the system's
 * store, and the name against tls_host (an IP literal against the certificate's addresses). A
 * failed handshake leaves its reason in the worker's tls_error: the verification error
 * (X509_verify_cert_error_string), with a hint for a self-signed chain, or OpenSSL's error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client_engine.h"

/* Names a failure: "what: OpenSSL's reason" (or just what when the queue is empty). */
static void tls_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    if (e == 0) {
        snprintf(err, errlen, "%s", what);
    } else {
        char buf[200];
        ERR_error_string_n(e, buf, sizeof(buf));
        snprintf(err, errlen, "%s: %s", what, buf);
    }
    ERR_clear_error();
}

/* The server gave a session: the worker keeps it as its newest (the ring owns the reference),
 * dropping its oldest when the ring is full. */
static int tls_on_session(SSL *ssl, SSL_SESSION *sess)
{
    struct hc_client_conn *c = SSL_get_app_data(ssl);
    if (c == NULL)
        return 0;
    struct hc_client_worker *w = c->w;
    if (w->tls_sessions == NULL)
        w->tls_sessions = hc_xcalloc(HC_CLIENT_MAX_TLS_SESSIONS, sizeof(*w->tls_sessions));
    if (w->tls_count == HC_CLIENT_MAX_TLS_SESSIONS) {
        SSL_SESSION_free(w->tls_sessions[w->tls_first]);
        w->tls_first = (w->tls_first + 1) % HC_CLIENT_MAX_TLS_SESSIONS;
        w->tls_count--;
    }
    w->tls_sessions[(w->tls_first + w->tls_count) % HC_CLIENT_MAX_TLS_SESSIONS] = sess;
    w->tls_count++;
    return 1;
}

/* Offers the worker's newest resumable session on ssl; a TLS 1.3 ticket leaves the ring. */
static void tls_offer_session(struct hc_client_worker *w, SSL *ssl)
{
    while (w->tls_count > 0) {
        unsigned i = (w->tls_first + w->tls_count - 1) % HC_CLIENT_MAX_TLS_SESSIONS;
        SSL_SESSION *sess = w->tls_sessions[i];
        bool once = SSL_SESSION_get_protocol_version(sess) >= TLS1_3_VERSION;
        if (!SSL_SESSION_is_resumable(sess) || once) {
            w->tls_sessions[i] = NULL;
            w->tls_count--;
        }
        if (SSL_SESSION_is_resumable(sess)) {
            SSL_set_session(ssl, sess); /* takes its own reference */
            if (once)
                SSL_SESSION_free(sess);
            return;
        }
        SSL_SESSION_free(sess);
    }
}

int hc_client_tls_ctx_new(const struct hc_client_config *cfg, SSL_CTX **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        tls_reason(err, errlen, "TLS context");
        return -EINVAL;
    }
    int min = cfg->tls_min != 0 ? (int)cfg->tls_min : TLS1_2_VERSION;
    if (!SSL_CTX_set_min_proto_version(ctx, min) ||
        (cfg->tls_max != 0 && !SSL_CTX_set_max_proto_version(ctx, (int)cfg->tls_max))) {
        tls_reason(err, errlen, "TLS versions");
        goto fail;
    }
    if (cfg->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int ok = cfg->cafile != NULL ? SSL_CTX_load_verify_locations(ctx, cfg->cafile, NULL)
                                     : SSL_CTX_set_default_verify_paths(ctx);
        if (!ok) {
            char what[200];
            snprintf(what, sizeof(what), "--cacert %s", cfg->cafile ? cfg->cafile : "(system)");
            tls_reason(err, errlen, what);
            goto fail;
        }
    }
    if (cfg->cert != NULL) {
        char what[200];
        snprintf(what, sizeof(what), "--cert %s", cfg->cert);
        if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert) != 1) {
            tls_reason(err, errlen, what);
            goto fail;
        }
        const char *key = cfg->key != NULL ? cfg->key : cfg->cert;
        snprintf(what, sizeof(what), "--key %s", key);
        if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
            tls_reason(err, errlen, what);
            goto fail;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            tls_reason(err, errlen, "--key does not match --cert");
            goto fail;
        }
    } else if (cfg->key != NULL) {
        snprintf(err, errlen, "--key needs --cert");
        goto fail;
    }
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, tls_on_session);
    *out = ctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    return -EINVAL;
}

void hc_client_tls_ctx_free(SSL_CTX *ctx)
{
    SSL_CTX_free(ctx);
}

void hc_client_tls_forget(struct hc_client_worker *w)
{
    for (unsigned k = 0; k < w->tls_count; k++)
        SSL_SESSION_free(w->tls_sessions[(w->tls_first + k) % HC_CLIENT_MAX_TLS_SESSIONS]);
    free(w->tls_sessions);
    w->tls_sessions = NULL;
    w->tls_first = 0;
    w->tls_count = 0;
}

/* Whether host is an IPv4 or IPv6 literal (no SNI then; the certificate names addresses). */
static bool tls_is_ip(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int hc_client_tls_begin(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    const struct hc_client_config *cfg = w->cfg;
    SSL *ssl = SSL_new(w->run->tls);
    if (ssl == NULL) {
        tls_reason(w->tls_error, sizeof(w->tls_error), "TLS session");
        return -EPROTO;
    }
    c->ssl = ssl;
    c->tls_in = BIO_new(BIO_s_mem());
    c->tls_out = BIO_new(BIO_s_mem());
    /* An empty input BIO means "retry", so SSL_read answers WANT_READ rather than EOF. */
    BIO_set_mem_eof_return(c->tls_in, -1);
    SSL_set_bio(ssl, c->tls_in, c->tls_out);
    SSL_set_app_data(ssl, c);
    c->tls_sent = 0;
    c->sealed = false;
    static const unsigned char alpn_h1[] = "\x08http/1.1";
    static const unsigned char alpn_h2[] = "\x02h2";
    if (cfg->http2)
        SSL_set_alpn_protos(ssl, alpn_h2, sizeof(alpn_h2) - 1);
    else
        SSL_set_alpn_protos(ssl, alpn_h1, sizeof(alpn_h1) - 1);
    const char *host = cfg->tls_host;
    if (host != NULL) {
        bool ip = tls_is_ip(host);
        if (!ip)
            SSL_set_tlsext_host_name(ssl, host);
        if (!cfg->insecure) {
            X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
            int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
                        : X509_VERIFY_PARAM_set1_host(param, host, 0);
            if (!ok) {
                tls_reason(w->tls_error, sizeof(w->tls_error), "TLS name check");
                return -EPROTO;
            }
        }
    }
    tls_offer_session(w, ssl);
    SSL_set_connect_state(ssl);
    return hc_client_tls_handshake(c) < 0 ? -EPROTO : 0;
}

/* Words for a failed handshake: the certificate's problem if that was it. */
static void tls_handshake_reason(struct hc_client_conn *c)
{
    struct hc_client_worker *w = c->w;
    long v = SSL_get_verify_result(c->ssl);
    if (v != X509_V_OK) {
        bool self = v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                    v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                    v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                    v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
        snprintf(w->tls_error, sizeof(w->tls_error), "TLS: certificate verify failed: %s%s",
                 X509_verify_cert_error_string(v),
                 self ? " (use -k to skip the check, or --cacert FILE to trust its issuer)" : "");
        ERR_clear_error();
        return;
    }
    tls_reason(w->tls_error, sizeof(w->tls_error), "TLS handshake failed");
}

int hc_client_tls_handshake(struct hc_client_conn *c)
{
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1)
        return 1;
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    tls_handshake_reason(c);
    return -EPROTO;
}

void hc_client_tls_input(struct hc_client_conn *c, const char *data, size_t n)
{
    /* A memory BIO takes everything (it grows): n is at most HC_CLIENT_READ_BYTES a read. */
    BIO_write(c->tls_in, data, (int)n);
}

ssize_t hc_client_tls_read(struct hc_client_conn *c, char *buf, size_t len)
{
    int n = SSL_read(c->ssl, buf, (int)HC_MIN(len, (size_t)INT32_MAX));
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return -EAGAIN;
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    tls_reason(c->w->tls_error, sizeof(c->w->tls_error), "TLS: bad record from the server");
    return -EBADMSG;
}

int hc_client_tls_seal(struct hc_client_conn *c, const char *data, size_t len)
{
    while (len > 0) {
        int n = SSL_write(c->ssl, data, (int)HC_MIN(len, (size_t)INT32_MAX));
        if (n <= 0) {
            ERR_clear_error();
            return -EIO;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

int hc_client_tls_push(struct hc_client_conn *c)
{
    char *p;
    long have = BIO_get_mem_data(c->tls_out, &p);
    while (c->tls_sent < (size_t)have) {
        ssize_t n = send(c->fd, p + c->tls_sent, (size_t)have - c->tls_sent, MSG_NOSIGNAL);
        if (n > 0) {
            c->w->stats.bytes_written += (uint64_t)n;
            c->tls_sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return -EAGAIN;
        return n < 0 ? -errno : -EIO;
    }
    if (have > 0)
        (void)BIO_reset(c->tls_out);
    c->tls_sent = 0;
    return 0;
}

bool hc_client_tls_unsent(const struct hc_client_conn *c)
{
    return c->ssl != NULL && BIO_ctrl_pending(c->tls_out) > c->tls_sent;
}

bool hc_client_tls_alpn_h2(const struct hc_client_conn *c)
{
    const unsigned char *p;
    unsigned n;
    SSL_get0_alpn_selected(c->ssl, &p, &n);
    return n == 2 && memcmp(p, "h2", 2) == 0;
}

bool hc_client_tls_partial(const struct hc_client_conn *c)
{
    return c->ssl != NULL && (BIO_ctrl_pending(c->tls_in) > 0 || SSL_has_pending(c->ssl));
}

void hc_client_tls_close(struct hc_client_conn *c)
{
    /*
     * A connection closed without a shutdown makes OpenSSL drop its session as unresumable
     * (ssl_clear_bad_session), and a TLS 1.2 session is the worker's, which every reconnect
     * offers.
     * A finished handshake's session is good however the connection ends (a fatal alert drops
     * it on its own), so the close is marked as a shutdown; no close_notify is sent.
     */
    if (SSL_is_init_finished(c->ssl))
        SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    /* The BIOs go with the session (SSL_set_bio handed them over). */
    SSL_free(c->ssl);
    c->ssl = NULL;
    c->tls_in = NULL;
    c->tls_out = NULL;
    c->tls_sent = 0;
    c->sealed = false;
}
