/*
 * ui.c: the ncurses screen.
 *
 * One thread: a poll() on the terminal, the source's wake-up descriptor and a self-pipe the
 * signal handlers write to, with a timeout for the retry countdowns and replay pacing. Each
 * pass drains the due results into the model, reads the keys, and redraws when something
 * changed; ncurses sends only the cells that differ, so a redraw a second costs little.
 *
 * Tables are rebuilt only when a result arrives or the panel, sort or filter changes. The
 * terminal is restored by one function, called on q, after a signal, and from atexit() for
 * any other exit path.
 */
#define NCURSES_WIDECHAR 1

#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "hc/core.h"
#include "hc/units.h"
#include "report.h"

enum ui_color {
    UI_RED = 1,
    UI_YELLOW,
    UI_GREEN,
    UI_HEAD,
};

#define UI_FILTER_MAX 64

struct ui {
    struct model *m;
    const struct ui_source *src;
    enum panel_id panel;        /* shown */
    bool color;                 /* colours in use */
    bool ascii;                 /* sparklines in ASCII (no UTF-8 locale) */
    bool help;                  /* the help overlay is up */
    bool paused;                /* p */
    bool editing;               /* typing a filter after / */
    char filter[UI_FILTER_MAX]; /* rows must contain this */
    size_t sort_col;            /* 0: build order */
    bool sort_desc;             /* the direction for sort_col */
    size_t scroll;              /* first row shown */
    struct panel_table table;   /* the panel's rows, rebuilt on change */
    bool stale;                 /* table needs a rebuild */
};

static volatile sig_atomic_t ui_signal; /* the signal that asked us to stop, or 0 */
static int ui_sig_pipe[2] = {-1, -1};   /* written by the handler, polled by the loop */
static bool ui_active;                  /* curses owns the terminal */

static void ui_restore(void)
{
    if (ui_active) {
        ui_active = false;
        curs_set(1);
        endwin();
    }
}

static void ui_on_signal(int sig)
{
    ui_signal = sig;
    if (ui_sig_pipe[1] >= 0) {
        char b = 1;
        ssize_t w = write(ui_sig_pipe[1], &b, 1);
        (void)w;
    }
}

static int ui_attr_level(const struct ui *u, enum alert_level l)
{
    if (l == ALERT_CRIT)
        return u->color ? (int)(COLOR_PAIR(UI_RED) | A_BOLD) : (int)(A_BOLD | A_REVERSE);
    if (l == ALERT_WARN)
        return u->color ? (int)COLOR_PAIR(UI_YELLOW) : (int)A_BOLD;
    return 0;
}

/* Prints s at (y, x), cut to the screen's width. */
static void ui_put(int y, int x, const char *s)
{
    int w = COLS - x;
    if (y < 0 || y >= LINES || w <= 0)
        return;
    mvaddnstr(y, x, s, w);
}

static void ui_putf(int y, int x, const char *fmt, ...) HC_PRINTF(3, 4);
static void ui_putf(int y, int x, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ui_put(y, x, buf);
}

static void ui_header(struct ui *u)
{
    char pace[64];
    u->src->describe(u->src->arg, pace, sizeof(pace));
    char clock[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    size_t up = 0;
    for (size_t i = 0; i < u->m->ntargets; i++)
        up += u->m->targets[i].up;
    attron(A_REVERSE);
    mvhline(0, 0, ' ', COLS);
    ui_putf(0, 0, " hcmon  %zu/%zu targets up  %s%s", up, u->m->ntargets, pace,
            u->paused ? "  PAUSED" : "");
    if (COLS > 10)
        ui_put(0, COLS - 9, clock);
    attroff(A_REVERSE);
    int x = 0;
    for (int p = 0; p < PANEL_COUNT && x < COLS; p++) {
        char item[32];
        snprintf(item, sizeof(item), " %d %s ", p == 9 ? 0 : p + 1, panel_title(p));
        if (p == (int)u->panel)
            attron(A_REVERSE | A_BOLD);
        ui_put(1, x, item);
        if (p == (int)u->panel)
            attroff(A_REVERSE | A_BOLD);
        x += (int)strlen(item);
    }
}

static void ui_footer(struct ui *u)
{
    int y = LINES - 1;
    if (u->editing) {
        ui_putf(y, 0, "filter: %s_   (Enter: keep, Esc: clear)", u->filter);
        return;
    }
    char sort[96] = "";
    if (u->panel != PANEL_OVERVIEW && u->sort_col > 0 && u->sort_col < u->table.ncols)
        snprintf(sort, sizeof(sort), "  sorted by %s%s", u->table.cols[u->sort_col],
                 u->sort_desc ? " (desc)" : " (asc)");
    char filt[96] = "";
    if (u->filter[0] != '\0')
        snprintf(filt, sizeof(filt), "  filter \"%s\"", u->filter);
    attron(A_DIM);
    ui_putf(y, 0, "q quit  ? help  Tab panel  s sort  / filter  p pause  +/- rate%s%s", sort, filt);
    attroff(A_DIM);
}

/* A sparkline of field f with its label and scale, at row y. */
static void ui_spark(struct ui *u, int y, const struct model_target *t, const char *label,
                     enum summary_field f)
{
    int width = COLS - 34;
    if (width < 8 || y >= LINES - 1)
        return;
    size_t w = (size_t)HC_MIN(width, HC_HCMON_HISTORY);
    wchar_t line[HC_HCMON_HISTORY + 1];
    double max = history_sparkline(&t->history, f, w, u->ascii, line);
    char scale[48];
    summary_format(f, max, scale, sizeof(scale));
    ui_putf(y, 4, "%-10s", label);
    mvaddnwstr(y, 15, line, (int)w);
    ui_putf(y, 15 + (int)w + 1, "max %s", scale);
}

static void ui_fig(char *dst, size_t dstlen, const struct model_target *t, const char *label,
                   enum summary_field f)
{
    char v[48];
    summary_format(f, t->summary.v[f], v, sizeof(v));
    size_t n = strlen(dst);
    if (n < dstlen)
        snprintf(dst + n, dstlen - n, "  %s %s", label, v);
}

static int ui_overview(struct ui *u, int y)
{
    int64_t now = u->src->now(u->src->arg);
    for (size_t i = 0; i < u->m->ntargets && y < LINES - 1; i++) {
        const struct model_target *t = &u->m->targets[i];
        if (!panel_text_matches(t->target->name, u->filter))
            continue;
        char line[512] = "";
        if (!t->seen) {
            ui_putf(y, 0, "%s  waiting for the first sample", t->target->name);
            y += 2;
            continue;
        }
        if (!t->up) {
            int64_t left = t->retry_at_ns - now;
            char in[HC_UNITS_FMT_MAX];
            snprintf(in, sizeof(in), "%llds",
                     (long long)(left > 0 ? (left + HC_NSEC_PER_SEC - 1) / HC_NSEC_PER_SEC : 0));
            attron(ui_attr_level(u, ALERT_CRIT));
            ui_putf(y, 0, "%s  DOWN", t->target->name);
            attroff(ui_attr_level(u, ALERT_CRIT));
            ui_putf(y + 1, 4, "%s  (retry in %s)", t->reason, in);
            y += 3;
            continue;
        }
        switch (t->target->kind) {
        case TARGET_HTTP:
            if (isnan(t->summary.v[SUMMARY_REQUESTS]) && t->cur != NULL) {
                /* Not one of hc's programs: what the page holds; panel 0 shows it. */
                snprintf(line, sizeof(line), "  %zu families, %zu series (0: Metrics)",
                         t->cur->nfamilies, t->cur->nsamples);
                break;
            }
            ui_fig(line, sizeof(line), t, "req/s", SUMMARY_RATE);
            ui_fig(line, sizeof(line), t, "5xx", SUMMARY_ERROR_RATIO);
            ui_fig(line, sizeof(line), t, "p50", SUMMARY_P50);
            ui_fig(line, sizeof(line), t, "p99", SUMMARY_P99);
            ui_fig(line, sizeof(line), t, "p99.9", SUMMARY_P999);
            ui_fig(line, sizeof(line), t, "hit", SUMMARY_HIT_RATIO);
            ui_fig(line, sizeof(line), t, "total", SUMMARY_REQUESTS);
            break;
        case TARGET_REDIS:
            ui_fig(line, sizeof(line), t, "ops/s", SUMMARY_OPS);
            ui_fig(line, sizeof(line), t, "hit", SUMMARY_HIT_RATIO);
            ui_fig(line, sizeof(line), t, "mem", SUMMARY_MEMORY);
            ui_fig(line, sizeof(line), t, "clients", SUMMARY_CLIENTS);
            break;
        case TARGET_MYSQL:
            ui_fig(line, sizeof(line), t, "queries/s", SUMMARY_OPS);
            ui_fig(line, sizeof(line), t, "rows/s", SUMMARY_ROW_OPS);
            ui_fig(line, sizeof(line), t, "threads", SUMMARY_CLIENTS);
            ui_fig(line, sizeof(line), t, "lag", SUMMARY_LAG);
            break;
        }
        int attr = ui_attr_level(u, t->level);
        if (u->color && t->level == ALERT_NONE)
            attr = (int)COLOR_PAIR(UI_GREEN);
        attron(attr | A_BOLD);
        ui_putf(y, 0, "%s", t->target->name);
        attroff(attr | A_BOLD);
        ui_put(y, (int)strlen(t->target->name), line);
        y++;
        if (t->alert[0] != '\0') {
            attron(ui_attr_level(u, t->level));
            ui_putf(y, 4, "ALERT %s", t->alert);
            attroff(ui_attr_level(u, t->level));
            y++;
        }
        if (t->target->kind == TARGET_HTTP && isnan(t->summary.v[SUMMARY_REQUESTS])) {
            ui_spark(u, y++, t, "scrape", SUMMARY_SCRAPE_SECONDS);
        } else if (t->target->kind == TARGET_HTTP) {
            ui_spark(u, y++, t, "req/s", SUMMARY_RATE);
            ui_spark(u, y++, t, "p99", SUMMARY_P99);
            ui_spark(u, y++, t, "5xx", SUMMARY_ERROR_RATIO);
        } else if (t->target->kind == TARGET_REDIS) {
            ui_spark(u, y++, t, "ops/s", SUMMARY_OPS);
            ui_spark(u, y++, t, "memory", SUMMARY_MEMORY);
        } else {
            ui_spark(u, y++, t, "queries/s", SUMMARY_OPS);
            ui_spark(u, y++, t, "lag", SUMMARY_LAG);
        }
        y++;
    }
    return y;
}

static void ui_rebuild(struct ui *u)
{
    if (u->table.id != u->panel || u->table.ncols == 0) {
        panel_table_destroy(&u->table);
        panel_table_init(&u->table, u->panel);
    }
    panel_table_clear(&u->table);
    for (size_t i = 0; i < u->m->ntargets; i++) {
        const struct model_target *t = &u->m->targets[i];
        panel_build(&u->table, t->target->name, t->target->kind, t->prev_index, t->cur, t->dt_s);
    }
    if (u->sort_col > 0)
        panel_sort(&u->table, u->sort_col, u->sort_desc);
    u->stale = false;
}

static void ui_table(struct ui *u, int y)
{
    struct panel_table *t = &u->table;
    int widths[PANEL_MAX_COLS];
    for (size_t c = 0; c < t->ncols; c++)
        widths[c] = (int)strlen(t->cols[c]);
    size_t shown = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        if (!panel_row_matches(t, &t->rows[r], u->filter))
            continue;
        shown++;
        for (size_t c = 0; c < t->ncols; c++)
            widths[c] = HC_MAX(widths[c], (int)strlen(t->rows[r].cells[c].text));
    }
    for (size_t c = 0; c < t->ncols; c++)
        widths[c] = HC_MIN(widths[c], c <= 1 ? 40 : 16);
    if (shown == 0) {
        ui_putf(y, 0, "%s: nothing to show%s", panel_title(u->panel),
                u->filter[0] ? " (check the filter)" : " from these targets");
        return;
    }
    attron(A_BOLD | A_UNDERLINE);
    int x = 0;
    for (size_t c = 0; c < t->ncols; c++) {
        bool num = c >= 2 || (c == 1 && t->id == PANEL_OVERVIEW);
        ui_putf(y, x, num ? "%*.*s" : "%-*.*s", widths[c], widths[c], t->cols[c]);
        x += widths[c] + 2;
    }
    attroff(A_BOLD | A_UNDERLINE);
    y++;
    int room = LINES - 1 - y;
    if (u->scroll + (size_t)HC_MAX(room, 0) > shown)
        u->scroll = shown > (size_t)room ? shown - (size_t)room : 0;
    size_t seen = 0;
    for (size_t r = 0; r < t->nrows && y < LINES - 1; r++) {
        const struct panel_row *row = &t->rows[r];
        if (!panel_row_matches(t, row, u->filter))
            continue;
        if (seen++ < u->scroll)
            continue;
        int attr = ui_attr_level(u, row->level);
        attron(attr);
        x = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            bool num = !isnan(row->cells[c].num) || (c >= 2 && row->cells[c].text[0] == '-');
            ui_putf(y, x, num ? "%*.*s" : "%-*.*s", widths[c], widths[c], row->cells[c].text);
            x += widths[c] + 2;
        }
        attroff(attr);
        y++;
    }
    if (t->truncated)
        ui_putf(LINES - 2, 0, "(more rows than %d: the rest are not shown)", HC_HCMON_MAX_ROWS);
}

static void ui_help(void)
{
    static const char *const lines[] = {
        "hcmon keys",
        "",
        "  ?            this help (any key closes it)",
        "  Tab, S-Tab   next, previous panel",
        "  1-9, 0       panel by number (0: Metrics)",
        "  s            sort by the next column (numbers largest first)",
        "  r            reverse the sort",
        "  /            filter rows by text (Enter keeps it, Esc clears it)",
        "  p            pause / resume the screen",
        "  + / -        sample more / less often (replay: faster / slower)",
        "  Up Down PgUp PgDn Home   scroll",
        "  q            quit",
        "",
        "Colours: red = crit alert, shard down or breaker open; yellow = warn.",
        "NO_COLOR=1 turns colours off.",
    };
    int h = (int)HC_ARRAY_LEN(lines) + 2;
    int w = 72;
    int y0 = HC_MAX(0, (LINES - h) / 2);
    int x0 = HC_MAX(0, (COLS - w) / 2);
    for (int i = 0; i < h && y0 + i < LINES; i++) {
        mvhline(y0 + i, x0, ' ', HC_MIN(w, COLS - x0));
        if (i > 0 && i <= (int)HC_ARRAY_LEN(lines))
            ui_put(y0 + i, x0 + 2, lines[i - 1]);
    }
}

static void ui_draw(struct ui *u)
{
    erase();
    if (LINES < 5 || COLS < 20) {
        ui_put(0, 0, "hcmon: the terminal is too small");
        refresh();
        return;
    }
    ui_header(u);
    if (u->panel == PANEL_OVERVIEW) {
        ui_overview(u, 3);
    } else {
        if (u->stale || u->table.id != u->panel)
            ui_rebuild(u);
        ui_table(u, 3);
    }
    ui_footer(u);
    if (u->help)
        ui_help();
    refresh();
}

static void ui_set_panel(struct ui *u, int p)
{
    if (p < 0)
        p = PANEL_COUNT - 1;
    u->panel = (enum panel_id)(p % PANEL_COUNT);
    u->sort_col = 0;
    u->sort_desc = false;
    u->scroll = 0;
    u->stale = true;
}

/* Handles one key; false when it asks to quit. */
static bool ui_key(struct ui *u, int ch)
{
    if (u->help) {
        u->help = false;
        return true;
    }
    if (u->editing) {
        size_t n = strlen(u->filter);
        if (ch == '\n' || ch == KEY_ENTER || ch == '\r') {
            u->editing = false;
        } else if (ch == 27) {
            u->editing = false;
            u->filter[0] = '\0';
        } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (n > 0)
                u->filter[n - 1] = '\0';
        } else if (ch >= 32 && ch < 127 && n + 1 < sizeof(u->filter)) {
            u->filter[n] = (char)ch;
            u->filter[n + 1] = '\0';
        }
        u->scroll = 0;
        return true;
    }
    switch (ch) {
    case 'q':
    case 'Q':
        return false;
    case '?':
    case 'h':
        u->help = true;
        break;
    case '\t':
        ui_set_panel(u, (int)u->panel + 1);
        break;
    case KEY_BTAB:
        ui_set_panel(u, (int)u->panel - 1);
        break;
    case 's':
        if (u->panel != PANEL_OVERVIEW) {
            if (u->stale || u->table.id != u->panel)
                ui_rebuild(u);
            u->sort_col = (u->sort_col + 1) % HC_MAX(u->table.ncols, (size_t)1);
            u->sort_desc = u->sort_col >= 2;
            u->stale = true;
        }
        break;
    case 'r':
        u->sort_desc = !u->sort_desc;
        u->stale = true;
        break;
    case '/':
        u->editing = true;
        u->filter[0] = '\0';
        break;
    case 'p':
    case ' ':
        u->paused = !u->paused;
        u->src->pause(u->src->arg, u->paused);
        break;
    case '+':
    case '=':
        u->src->faster(u->src->arg, true);
        break;
    case '-':
    case '_':
        u->src->faster(u->src->arg, false);
        break;
    case KEY_UP:
        if (u->scroll > 0)
            u->scroll--;
        break;
    case KEY_DOWN:
        u->scroll++;
        break;
    case KEY_PPAGE:
        u->scroll = u->scroll > (size_t)(LINES / 2) ? u->scroll - (size_t)(LINES / 2) : 0;
        break;
    case KEY_NPAGE:
        u->scroll += (size_t)(LINES / 2);
        break;
    case KEY_HOME:
        u->scroll = 0;
        break;
    case KEY_RESIZE:
        clearok(stdscr, TRUE);
        break;
    default:
        if (ch >= '1' && ch <= '9')
            ui_set_panel(u, ch - '1');
        else if (ch == '0')
            ui_set_panel(u, 9);
        break;
    }
    return true;
}

static bool ui_wants_color(const struct ui_config *cfg)
{
    const char *nc = getenv("NO_COLOR");
    if (cfg->no_color || (nc != NULL && nc[0] != '\0'))
        return false;
    return has_colors();
}

static int ui_setup(struct ui *u, const struct ui_config *cfg)
{
    if (pipe2(ui_sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
        return -errno;
    SCREEN *scr = newterm(NULL, stdout, stdin);
    if (scr == NULL) {
        fprintf(stderr, "hcmon: cannot drive the terminal (TERM=%s): use --once or --json\n",
                getenv("TERM") ? getenv("TERM") : "");
        return -ENOTTY;
    }
    set_term(scr);
    ui_active = true;
    atexit(ui_restore);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = ui_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    u->color = ui_wants_color(cfg);
    if (u->color) {
        start_color();
        use_default_colors();
        init_pair(UI_RED, COLOR_RED, -1);
        init_pair(UI_YELLOW, COLOR_YELLOW, -1);
        init_pair(UI_GREEN, COLOR_GREEN, -1);
        init_pair(UI_HEAD, COLOR_CYAN, -1);
    }
    u->ascii = MB_CUR_MAX == 1;
    return 0;
}

int ui_run(struct model *m, const struct ui_source *src, const struct ui_config *cfg)
{
    struct ui u;
    memset(&u, 0, sizeof(u));
    u.m = m;
    u.src = src;
    u.panel = cfg->panel;
    u.stale = true;
    panel_table_init(&u.table, u.panel);
    if (ui_setup(&u, cfg) != 0) {
        ui_restore();
        panel_table_destroy(&u.table);
        for (int i = 0; i < 2; i++) {
            if (ui_sig_pipe[i] >= 0)
                close(ui_sig_pipe[i]);
            ui_sig_pipe[i] = -1;
        }
        return 1;
    }
    bool running = true;
    bool dirty = true;
    int64_t last_draw = 0;
    while (running && ui_signal == 0) {
        struct poller_result r;
        while (src->take(src->arg, &r)) {
            if (!u.paused) {
                model_apply(m, &r);
                u.stale = true;
                dirty = true;
            }
            poller_result_destroy(&r);
        }
        int ch;
        while ((ch = getch()) != ERR) {
            running = ui_key(&u, ch);
            dirty = true;
            if (!running)
                break;
        }
        if (!running)
            break;
        int64_t now = hc_now_ns();
        /* The countdowns and the clock tick once a second even without new data. */
        if (dirty || now - last_draw >= HC_NSEC_PER_SEC) {
            ui_draw(&u);
            last_draw = now;
            dirty = false;
        }
        struct pollfd fds[3];
        nfds_t n = 0;
        fds[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        fds[n++] = (struct pollfd){.fd = ui_sig_pipe[0], .events = POLLIN};
        if (src->wake_fd >= 0)
            fds[n++] = (struct pollfd){.fd = src->wake_fd, .events = POLLIN};
        int timeout = src->wake_fd >= 0 ? 1000 : 100;
        int pr = poll(fds, n, timeout);
        if (pr > 0 && src->wake_fd >= 0 && (fds[n - 1].revents & POLLIN)) {
            char drain[256];
            while (read(src->wake_fd, drain, sizeof(drain)) > 0)
                ;
        }
    }
    int sig = ui_signal;
    ui_restore();
    panel_table_destroy(&u.table);
    close(ui_sig_pipe[0]);
    close(ui_sig_pipe[1]);
    ui_sig_pipe[0] = ui_sig_pipe[1] = -1;
    return sig != 0 ? 128 + sig : 0;
}
