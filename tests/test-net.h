/*
 * test-net.h -- helpers shared by the engine's tests (tests/test-net-*.c):
 * start the replay server (server/replay.py) as a child process, read its
 * port, ask it for its counters, stop it.
 *
 * The server is real: it speaks HTTP/1.1 and HTTP/2, answers from the
 * recorded fixtures and injects the faults a test asks for.
 */
#ifndef PF_TEST_NET_H
#define PF_TEST_NET_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "playfast.h"

typedef struct test_server {
    pid_t pid;
    int port;
    char base[640];
    char ca[640];     /* CA file for --tls/--h2, else "" */
    FILE *out;        /* the server's stdout, kept open until it stops */
} test_server;

/* Start `python3 server/replay.py --port 0 <args>`; aborts the case if the
 * server does not come up. */
static inline void server_start(test_server *s, const char *args)
{
    memset(s, 0, sizeof *s);
    int fd[2];
    if (pipe(fd)) exit(3);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "exec /usr/bin/python3 server/replay.py --port 0 "
             "--parent-pid %d %s", (int)getpid(), args ? args : "");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    s->pid = pid;
    FILE *f = fdopen(fd[0], "r");
    s->out = f;
    char line[600];
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "LISTENING ", 10)) s->port = atoi(line + 10);
        else if (!strncmp(line, "CA ", 3)) snprintf(s->ca, sizeof s->ca, "%s", line + 3);
        else if (!strncmp(line, "URL ", 4)) {
            snprintf(s->base, sizeof s->base, "%s", line + 4);
            break;
        }
    }
    /* Keep the pipe open: the server's later prints must not SIGPIPE it. */
    if (s->port <= 0 || !s->base[0]) {
        fprintf(stderr, "  replay server did not start (%s)\n", cmd);
        kill(pid, SIGTERM);
        exit(3);
    }
}

static inline void server_stop(test_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->out) fclose(s->out);
    s->out = NULL;
}

typedef struct { char *p; size_t n; } test_text;

static size_t test_text_add(char *p, size_t sz, size_t n, void *u)
{
    test_text *t = u;
    char *q = realloc(t->p, t->n + sz * n + 1);
    if (!q) return 0;
    memcpy(q + t->n, p, sz * n);
    t->n += sz * n;
    q[t->n] = '\0';
    t->p = q;
    return sz * n;
}

/* GET or POST a control route (/__stats, /__log, /__reset); caller frees. */
static inline char *server_control(const test_server *s, const char *path,
                                   const char *post)
{
    char url[1024];
    snprintf(url, sizeof url, "%s%s", s->base, path);
    test_text t = {NULL, 0};
    CURL *e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, test_text_add);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    if (s->ca[0]) curl_easy_setopt(e, CURLOPT_CAINFO, s->ca);
    if (post) curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    if (rc != CURLE_OK) {
        free(t.p);
        return NULL;
    }
    return t.p;
}

/* One integer counter of /__stats, e.g. "connections"; -1 if absent. */
static inline long server_stat(const test_server *s, const char *key)
{
    char *j = server_control(s, "/__stats", NULL);
    long v = -1;
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    char *at = j ? strstr(j, pat) : NULL;
    if (at) v = strtol(at + strlen(pat), NULL, 10);
    free(j);
    return v;
}

/* A client on the server with small, test-friendly defaults. */
static inline pf_client *test_client(const test_server *s,
                                     pf_client_options *o)
{
    pf_client_options d;
    if (o == NULL) {
        pf_client_options_init(&d);
        o = &d;
    }
    o->base_url = s->base;
    if (s->ca[0]) o->cacert = s->ca;
    if (o->backoff == 0) o->backoff = 0.05;
    pf_client *c = NULL;
    pf_error err;
    if (pf_client_new(o, &c, &err) != PF_OK) {
        fprintf(stderr, "  pf_client_new: %s\n", err.message);
        exit(3);
    }
    return c;
}

static inline double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
