#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""summarize.py - tables, goals and charts from a tests/bench/run.sh results folder.

  summarize.py RESULTS_DIR        prints the tables; writes RESULTS_DIR/summary.md,
                                  RESULTS_DIR/perf-<load>.png and memconn.png (gnuplot)
  summarize.py RESULTS_DIR --no-chart

Reads raw.tsv (one row per wrk run), and servers.tsv, env.txt, startup.tsv,
memconn.tsv and micro.txt when present.  Loads are labelled cN (N
connections) and pN (N connections pipelining several requests per write).  Every figure of a target at a load is the
median over the rounds; [min..max] is the spread of req/s.  Two ratios:
"x nginx" is the ratio of the medians, "paired" the median of the per-round
ratios (each round ran the targets back to back, so a slow moment of the
shared machine hits both sides of a paired ratio).  The goals also give a
distribution-free confidence interval of the paired ratio's median (order
statistics of the per-round ratios with binomial coverage of at least 95%,
or min..max and its coverage when too few rounds reach 95%).
"""
import csv
import math
import os
import re
import shutil
import statistics
import subprocess
import sys

REFS = {'main': ['nginx', 'mhd', 'mhd-hdr'], 'log': ['nginx-log']}
COLORS = {'greet': '#2b8cbe', 'mhd': '#7bccc4', 'mhd-hdr': '#41ae76', 'nginx': '#969696', 'flask': '#fc8d59',
          'greet-log': '#0868ac', 'nginx-log': '#636363'}
# greet-alt-* and any other target not above: one each, in the order asked
ALT_COLORS = ['#e6550d', '#756bb1', '#d6616b', '#8c6d31', '#e7ba52', '#636363']
_alt_color = {}


def color(target):
    if target in COLORS:
        return COLORS[target]
    return _alt_color.setdefault(target, ALT_COLORS[len(_alt_color) % len(ALT_COLORS)])


def gnuplot(script, what):
    """Runs gnuplot on script; False (said on stderr) when it fails."""
    r = subprocess.run(['gnuplot'], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print(f'gnuplot failed for {what}: {r.stderr.strip()}', file=sys.stderr)
    return r.returncode == 0
def load_rows(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            p = line.rstrip('\n').split('\t')
            num = lambda s: None if s in ('NA', '') else float(s)
            ms = lambda s: None if s in ('NA', '') else float(s) / 1000
            p += [''] * (23 - len(p))     # raw.tsv of before the memory columns
            rows.append(dict(table=p[0], round=int(p[1]), load=p[2], target=p[3], rps=float(p[4]),
                             p50=ms(p[5]), p99=ms(p[6]), errors=int(p[7]),
                             requests=int(p[8]), rss=num(p[9]), nproc=p[10], cpu=num(p[11]),
                             logb=num(p[12]), loadavg=num(p[13]), threads=p[14] or '1',
                             pipeline=int(p[15] or 1), rss_idle=num(p[16]), rss_peak=num(p[17]),
                             rss_samples=num(p[18]), rss_end=num(p[19]), rss_1s=num(p[20]),
                             rss_2s=num(p[21]), rss_5s=num(p[22])))
    return rows


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_interval(values, level=0.95):
    """(lo, hi, coverage): the order statistics x(k) <= median <= x(n+1-k)
    with the largest k whose binomial coverage is still >= level; with too
    few values for that, min..max and the coverage it has."""
    x = sorted(values)
    n = len(x)
    tail = lambda k: sum(math.comb(n, i) for i in range(k)) / 2 ** n  # P(B < k)
    k = 1
    while k + 1 <= (n + 1) // 2 and 1 - 2 * tail(k + 1) >= level:
        k += 1
    return x[k - 1], x[n - k], 1 - 2 * tail(k)


def order(seq):
    seen = []
    for s in seq:
        if s not in seen:
            seen.append(s)
    return seen


def load_key(label):
    """c50 < p50 < c1000: by connections, plain before pipelined."""
    return int(label[1:]), label[0] == 'p'


def wrk_desc(stats, load):
    """'wrk -t2 -c10000' or 'wrk -t1 -c50, 16 requests per write'."""
    rs = [r for r in stats.rows if r['load'] == load]
    d = f'wrk -t{rs[0]["threads"]} -c{load_key(load)[0]}' if rs else load
    return d + (f', {rs[0]["pipeline"]} requests per write' if rs and rs[0]['pipeline'] > 1 else '')


class Stats:
    """Medians and ratios per (table, load, target)."""

    def __init__(self, rows):
        self.rows = rows
        self.cell = {}
        for r in rows:
            self.cell.setdefault((r['table'], r['load'], r['target']), []).append(r)

    def runs(self, table, load, target):
        return self.cell.get((table, load, target), [])

    def median(self, table, load, target, key):
        return med([r[key] for r in self.runs(table, load, target)])

    def paired(self, table, load, target, ref, key='rps'):
        """The same-round ratios target/ref."""
        by_round = {r['round']: r[key] for r in self.runs(table, load, ref)}
        return [r[key] / by_round[r['round']] for r in self.runs(table, load, target)
                if by_round.get(r['round'])]

    def ratio(self, table, load, target, ref, key='rps'):
        """(ratio of medians, median of same-round ratios) or (None, None)."""
        a, b = self.median(table, load, target, key), self.median(table, load, ref, key)
        if a is None or not b:
            return None, None
        paired = self.paired(table, load, target, ref, key)
        return a / b, (statistics.median(paired) if paired else None)


def fmt_rps(v):
    return f'{v:,.0f}'


def fmt_ms(v):
    return '-' if v is None else f'{v:.3f}'


def fmt_ratio(pair):
    m, p = pair
    if m is None:
        return '-'
    return f'{m:.2f} ({p:.2f})' if p is not None else f'{m:.2f}'


def table(stats, tab, refs):
    """Rows of one table as lists of strings, with its header."""
    loads = sorted(order(r['load'] for r in stats.rows if r['table'] == tab), key=load_key)
    targets = order(r['target'] for r in stats.rows if r['table'] == tab)
    refs = [x for x in refs if x in targets]
    hdr = ['load', 'target', 'req/s', '[min..max]', 'p50 ms', 'p99 ms', 'errors',
           'peak RSS MiB', 'cpu us/req']
    if tab == 'log':
        hdr.append('log B/req')
    hdr += [f'x {x} (paired)' for x in refs]
    out = []
    for load in loads:
        for t in targets:
            rs = stats.runs(tab, load, t)
            if not rs:
                continue
            rps = [r['rps'] for r in rs]
            rss = [r['rss'] for r in rs if r['rss'] is not None]
            cpu = stats.median(tab, load, t, 'cpu')
            row = [load, t, fmt_rps(med(rps)), f'[{fmt_rps(min(rps))}..{fmt_rps(max(rps))}]',
                   fmt_ms(stats.median(tab, load, t, 'p50')), fmt_ms(stats.median(tab, load, t, 'p99')),
                   str(sum(r['errors'] for r in rs)),
                   f'{max(rss) / 1024:.1f} ({rs[0]["nproc"]}p)' if rss else '-',
                   f'{cpu:.1f}' if cpu is not None else '-']
            if tab == 'log':
                lb = stats.median(tab, load, t, 'logb')
                row.append(f'{lb:.0f}' if lb is not None else '-')
            row += [fmt_ratio(stats.ratio(tab, load, t, ref)) for ref in refs]
            out.append(row)
    return hdr, out


def as_text(hdr, rows, group=True):
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(hdr)] if rows else [len(h) for h in hdr]
    lines = ['  '.join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip()]
    last = None
    for r in rows:
        if group and last is not None and r[0] != last:
            lines.append('')
        last = r[0]
        lines.append('  '.join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    return '\n'.join(lines)


def as_md(hdr, rows):
    right = lambda h: h not in ('load', 'target')
    lines = ['| ' + ' | '.join(hdr) + ' |',
             '|' + '|'.join('---:' if right(h) else '---' for h in hdr) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def goals(stats):
    """Issue 7's server goals for every greet-server target of the main table."""
    out = []
    loads = sorted(order(r['load'] for r in stats.rows if r['table'] == 'main'), key=load_key)
    greets = [t for t in order(r['target'] for r in stats.rows if r['table'] == 'main')
              if t == 'greet' or t.startswith('greet-alt-')]

    def line(ok, text):
        out.append(f'- {"met" if ok else "NOT met"}: {text}')

    def ratio_line(load, g, ref, want, label):
        m, p = stats.ratio('main', load, g, ref)
        if m is None:
            return
        verdict = 'met' if m >= want and p >= want else 'NOT met' if m < want and p < want else 'borderline'
        ratios = stats.paired('main', load, g, ref)
        interval = ''
        if len(ratios) >= 3:        # fewer rounds bound the median with < 75% coverage
            lo, hi, cover = median_interval(ratios)
            interval = (f', {cover:.0%} interval {lo:.2f}-{hi:.2f}'
                        f'{", includes the goal" if lo < want <= hi else ""}')
        out.append(f'- {verdict}: {load}: {g} >= {want:g}x {label}: {m:.2f}x (paired {p:.2f}x{interval})')

    for g in greets:
        if len(greets) > 1:
            out.append(f'{g}:')
        for load in loads:
            ratio_line(load, g, 'mhd', 0.95, 'bare MHD')
        for load in loads:
            ratio_line(load, g, 'nginx', 1.0 if load == 'c1' else 0.9, 'nginx')
            q, _ = stats.ratio('main', load, g, 'nginx', key='p99')
            if q is not None:
                gp, np_ = stats.median('main', load, g, 'p99'), stats.median('main', load, 'nginx', 'p99')
                line(q <= 1.5, f'{load}: {g} p99 <= 1.5x nginx p99: {gp:.3f} ms vs {np_:.3f} ms = {q:.2f}x')
        if 'c1000' in loads:
            rss = [r['rss'] for r in stats.runs('main', 'c1000', g) if r['rss'] is not None]
            if rss:
                line(max(rss) / 1024 <= 16, f'c1000: {g} peak RSS <= 16 MiB: {max(rss) / 1024:.1f} MiB (max over rounds)')
            errs = sum(r['errors'] for r in stats.runs('main', 'c1000', g))
            line(errs == 0, f'c1000: {g} no errors: {errs}')
        ratio_line('c50', g, 'flask', 50, 'the Flask seed')
    if out:
        out.append('("met" needs both the ratio of medians and the paired ratio to reach the goal, '
                   '"borderline" only one of them; where the interval of the paired ratio includes '
                   'the goal, more rounds are needed to tell the two apart)')
    return out


def mib(kib):
    return '-' if kib is None else f'{kib / 1024:.1f}'


def memory_table(stats, start_rss):
    """RSS through the runs of the main table: the idle baseline, the
    sampled and the kernel's peak, and the RSS after the close."""
    loads = sorted(order(r['load'] for r in stats.rows if r['table'] == 'main'), key=load_key)
    targets = order(r['target'] for r in stats.rows if r['table'] == 'main')
    hdr = ['load', 'target', 'idle MiB', 'peak sampled MiB', 'peak VmHWM MiB', 'VmHWM x nginx',
           'at exit MiB', '+1 s', '+2 s', '+5 s', '+5 s / idle (worst)', '+5 s / start']
    out = []
    for load in loads:
        hwm_n = max((r['rss'] for r in stats.runs('main', load, 'nginx') if r['rss'] is not None), default=None)
        for t in targets:
            rs = stats.runs('main', load, t)
            if not rs or all(r['rss_idle'] is None for r in rs):
                continue
            peak = max((r['rss_peak'] for r in rs if r['rss_peak'] is not None), default=None)
            hwm = max((r['rss'] for r in rs if r['rss'] is not None), default=None)
            back = [r['rss_5s'] / r['rss_idle'] for r in rs if r['rss_5s'] is not None and r['rss_idle']]
            r5 = stats.median('main', load, t, 'rss_5s')
            st = start_rss.get(t)
            out.append([load, t, mib(stats.median('main', load, t, 'rss_idle')), mib(peak), mib(hwm),
                        f'{hwm / hwm_n:.2f}' if hwm and hwm_n else '-',
                        mib(stats.median('main', load, t, 'rss_end')), mib(stats.median('main', load, t, 'rss_1s')),
                        mib(stats.median('main', load, t, 'rss_2s')), mib(r5),
                        f'{max(back):.2f}' if back else '-', f'{r5 / st:.2f}' if r5 and st else '-'])
    return hdr, out


def goals14(stats, start_rss, mc):
    """Issue 14's goals for every greet-server target of the main table."""
    out = []
    loads = order(r['load'] for r in stats.rows if r['table'] == 'main')
    greets = [t for t in order(r['target'] for r in stats.rows if r['table'] == 'main')
              if t == 'greet' or t.startswith('greet-alt-')]
    has_nginx = any(r['target'] == 'nginx' for r in stats.rows)
    for g in greets:
        if len(greets) > 1:
            out.append(f'{g}:')
        n_before = len(out)
        for load in ('c10000', 'c1000'):
            if load not in loads or not has_nginx:
                continue
            a = max((r['rss'] for r in stats.runs('main', load, g) if r['rss'] is not None), default=None)
            b = max((r['rss'] for r in stats.runs('main', load, 'nginx') if r['rss'] is not None), default=None)
            if a and b:
                out.append(f'- {"met" if a <= 1.5 * b else "NOT met"}: {load}: {g} peak RSS <= 1.5x nginx: '
                           f'{a / 1024:.1f} vs {b / 1024:.1f} MiB = {a / b:.2f}x (VmHWM, max over rounds)')
                break
        for load in sorted(loads, key=load_key):
            # the baseline: the RSS before the run, or the fresh server's when
            # lower (memory kept from earlier rounds would excuse itself)
            back = [(r['rss_5s'], min(r['rss_idle'], start_rss.get(g) or r['rss_idle']))
                    for r in stats.runs('main', load, g) if r['rss_5s'] is not None and r['rss_idle']]
            if back:
                worst = max(back, key=lambda x: x[0] / x[1])
                out.append(f'- {"met" if worst[0] <= 2 * worst[1] else "NOT met"}: {load}: {g} RSS 5 s after the '
                           f'close <= 2x the idle baseline: {worst[0] / 1024:.1f} vs {worst[1] / 1024:.1f} MiB = '
                           f'{worst[0] / worst[1]:.2f}x (worst round; baseline: the lower of the RSS before the '
                           f'run and at start)')
        if g in mc and mc[g]['after'] and mc[g]['idle']:
            ph, kib = mc[g]['after'][-1]
            out.append(f'- {"met" if kib <= 2 * mc[g]["idle"] else "NOT met"}: memconn: {g} RSS {ph} after '
                       f'closing {mc[g]["steps"][-1][0]} connections <= 2x idle: {kib / 1024:.1f} vs '
                       f'{mc[g]["idle"] / 1024:.1f} MiB = {kib / mc[g]["idle"]:.2f}x')
        if 'c50' in loads and has_nginx:
            q, _ = stats.ratio('main', 'c50', g, 'nginx', key='p99')
            if q is not None:
                out.append(f'- {"met" if q <= 1.2 else "NOT met"}: c50: {g} p99 <= 1.2x nginx: '
                           f'{stats.median("main", "c50", g, "p99"):.3f} vs '
                           f'{stats.median("main", "c50", "nginx", "p99"):.3f} ms = {q:.2f}x')
        for load in sorted(loads, key=load_key):
            m, p = stats.ratio('main', load, g, 'nginx') if has_nginx else (None, None)
            if m is None or p is None:
                continue
            ratios = stats.paired('main', load, g, 'nginx')
            interval = ''
            if len(ratios) >= 3:
                lo, hi, cover = median_interval(ratios)
                interval = f', {cover:.0%} interval {lo:.2f}-{hi:.2f}'
            if load in ('c50', 'c1000', 'c10000'):
                verdict = 'met' if m >= 1.05 and p >= 1.05 else 'NOT met' if m < 1.05 and p < 1.05 else 'borderline'
                out.append(f'- {verdict}: {load}: {g} >= 1.05x nginx: {m:.2f}x (paired {p:.2f}x{interval})')
            elif load.startswith('p'):
                out.append(f'- reported: {load} ({wrk_desc(stats, load)}): {g} = {m:.2f}x nginx '
                           f'(paired {p:.2f}x{interval})')
        if len(greets) > 1 and len(out) == n_before:
            out.pop()               # nothing to say about this one: no header
    return out


def load_memconn(path):
    """{target: {'idle': kib, 'steps': [(conns, rss, hwm, ok, failed, closed)], 'after': [(phase, rss)]}}"""
    mc = {}
    if not os.path.exists(path):
        return mc
    with open(path) as f:
        for line in f:
            p = line.rstrip('\n').split('\t')
            if line.startswith('#') or len(p) < 9:
                continue
            t = mc.setdefault(p[0], {'idle': None, 'steps': [], 'after': [], 'failed': 0, 'closed': 0})
            conns, ok, failed, closed, rss_k, hwm = (int(v) for v in (p[2], p[3], p[4], p[5], p[6], p[7]))
            t['failed'], t['closed'] = failed, closed
            if p[1] == 'idle':
                t['idle'] = rss_k
            elif p[1] == 'open':
                t['steps'].append((conns, rss_k, hwm, ok, failed, closed))
            else:
                t['after'].append((p[1].replace('closed', ''), rss_k))
    return mc


def memconn_table(mc):
    from memconn import fit
    if not mc:
        return None
    ref = mc.get('nginx')
    ref_fit = fit([(c, r) for c, r, *_ in ref['steps']]) if ref else None
    ref_top = ref['steps'][-1] if ref and ref['steps'] else None
    top = max(len(v['steps']) for v in mc.values())
    steps_hdr = [f'@{c:,}' for c, *_ in max(mc.values(), key=lambda v: len(v['steps']))['steps']]
    after_hdr = [ph for ph, _ in max(mc.values(), key=lambda v: len(v['after']))['after']]
    hdr = (['target', 'idle MiB'] + [h + ' MiB' for h in steps_hdr] +
           ['KiB/conn', 'intercept MiB', 'r2', 'KiB/conn x nginx', 'RSS x nginx at max'] +
           [f'{h} MiB' for h in after_hdr] + ['after / idle', 'failed', 'closed early'])
    out = []
    for t, v in mc.items():
        f = fit([(c, r) for c, r, *_ in v['steps']])
        cells = [mib(r) for _, r, *_ in v['steps']] + [''] * (top - len(v['steps']))
        last = v['steps'][-1] if v['steps'] else None
        aft = [mib(r) for _, r in v['after']] + [''] * (len(after_hdr) - len(v['after']))
        out.append([t, mib(v['idle'])] + cells + [
            f'{f[0]:.2f}' if f else '-', mib(f[1]) if f else '-', f'{f[2]:.4f}' if f else '-',
            f'{f[0] / ref_fit[0]:.1f}' if f and ref_fit and ref_fit[0] > 0 else '-',
            f'{last[1] / ref_top[1]:.2f}' if last and ref_top and last[0] == ref_top[0] else '-'] + aft + [
            f'{v["after"][-1][1] / v["idle"]:.2f}' if v['after'] and v['idle'] else '-',
            str(v['failed']), str(v['closed'])])
    return hdr, out


def memconn_chart(mc, outdir):
    if not mc or shutil.which('gnuplot') is None:
        return None
    plots = []
    for i, (t, v) in enumerate(mc.items()):
        dat = os.path.join(outdir, f'memconn-{t}.dat')
        with open(dat, 'w') as f:
            f.write(f'0\t{v["idle"] / 1024:.3f}\n' if v['idle'] else '')
            for c, r, *_ in v['steps']:
                f.write(f'{c}\t{r / 1024:.3f}\n')
        plots.append(f'"{dat}" using 1:2 with linespoints lw 2 pt 7 lc rgb "{color(t)}" title "{t}"')
    png = os.path.join(outdir, 'memconn.png')
    gp = f'''
set terminal pngcairo size 900,520 font "DejaVu Sans,10"
set output "{png}"
set title "Server RSS (VmRSS over its processes) with N idle keep-alive connections, each after one GET{pinned(outdir)}"
set xlabel "open connections"
set ylabel "RSS MiB"
set grid
set key left top
set xrange [0:*]
set yrange [0:*]
plot {", ".join(plots)}
'''
    return png if gnuplot(gp, 'memconn') else None


def rss_chart(stats, outdir, load):
    """rss-<load>.png: the tree's VmRSS through round 1's run of each target
    (rss/ samples) and after wrk exited (raw.tsv), or None."""
    if shutil.which('gnuplot') is None:
        return None
    plots = []
    for t in order(r['target'] for r in stats.rows if r['table'] == 'main'):
        rs = [r for r in stats.runs('main', load, t) if r['round'] == 1]
        series = os.path.join(outdir, 'rss', f'main-r1-{load}-{t}.tsv')
        if not rs or not os.path.exists(series):
            continue
        r = rs[0]
        dur = r['requests'] / r['rps'] if r['rps'] else 0
        dat = os.path.join(outdir, f'rss-{load}-{t}.dat')
        with open(series) as f, open(dat, 'w') as out:
            for line in f:
                ms_, kib = line.split()
                out.write(f'{int(ms_) / 1000:.2f}\t{int(kib) / 1024:.2f}\n')
            for off, key in ((0, 'rss_end'), (1, 'rss_1s'), (2, 'rss_2s'), (5, 'rss_5s')):
                if r[key] is not None:
                    out.write(f'{dur + off:.2f}\t{r[key] / 1024:.2f}\n')
        plots.append(f'"{dat}" using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc rgb "{color(t)}" '
                     f'title "{t}"')
    if not plots:
        return None
    png = os.path.join(outdir, f'rss-{load}.png')
    gp = f'''
set terminal pngcairo size 900,480 font "DejaVu Sans,10"
set output "{png}"
set title "Server RSS through round 1 at {load} ({wrk_desc(stats, load)}{pinned(outdir)}) and after wrk exits"
set xlabel "seconds from the start of the run"
set ylabel "RSS MiB"
set grid
set key outside right top
set yrange [0:*]
plot {", ".join(plots)}
'''
    return png if gnuplot(gp, f'rss-{load}') else None


def startup(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        rows = list(csv.DictReader(f, delimiter='\t'))
    if not rows:
        return None
    hdr = ['target', 'median ms', '[min..max] ms', 'starts', 'x greet']
    g = next((float(r['median_ms']) for r in rows if r['target'] == 'greet'), None)
    out = []
    for r in rows:
        m = float(r['median_ms'])
        out.append([r['target'], f'{m:.1f}', f'[{float(r["min_ms"]):.1f}..{float(r["max_ms"]):.1f}]',
                    r['n'], f'{m / g:.1f}' if g else '-'])
    return hdr, out


def short(v):
    return f'{v / 1000:.1f}k' if v >= 10000 else f'{v:,.0f}'


def pinned(outdir):
    """' (servers on CPUs A, wrk on CPUs B)' when run.sh ran with PIN=A:B."""
    try:
        with open(os.path.join(outdir, 'env.txt')) as f:
            m = re.search(r'\bPIN=([0-9,-]+):([0-9,-]+)', f.read())
    except OSError:
        return ''
    return f' (servers on CPU {m.group(1)}, wrk on CPU {m.group(2)})' if m else ''


def chart(stats, outdir):
    """perf-<load>.png: median req/s per target, min..max bars, ratio labels."""
    if shutil.which('gnuplot') is None:
        print('(gnuplot not found: no charts; apt-get install gnuplot-nox)', file=sys.stderr)
        return []
    made = []
    loads = sorted(order(r['load'] for r in stats.rows), key=load_key)
    for load in loads:
        dat = os.path.join(outdir, f'chart-{load}.dat')
        n = 0
        with open(dat, 'w') as f:
            for tab in ('main', 'log'):
                for t in order(r['target'] for r in stats.rows if r['table'] == tab):
                    rs = stats.runs(tab, load, t)
                    if not rs:
                        continue
                    rps = [r['rps'] for r in rs]
                    refs = REFS[tab][:2]     # the goals' references; more do not fit
                    parts = []
                    for ref in refs:
                        m, _ = stats.ratio(tab, load, t, ref)
                        if m is not None and ref != t:
                            parts.append(f'{m:.3f}x {ref}' if m < 0.1 else f'{m:.2f}x {ref}')
                    label2 = ', '.join(parts) if parts else 'reference'
                    col = color(t).lstrip('#')
                    f.write(f'{n}\t"{t}"\t{med(rps):.0f}\t{min(rps):.0f}\t{max(rps):.0f}\t'
                            f'"{short(med(rps))}"\t"{label2}"\t{int(col, 16)}\n')
                    n += 1
        if n == 0:
            continue
        png = os.path.join(outdir, f'perf-{load}.png')
        rounds = len(order(r['round'] for r in stats.rows))
        gp = f'''
set terminal pngcairo size 1000,520 font "DejaVu Sans,10"
set output "{png}"
set title "GET /greet/John, {wrk_desc(stats, load)}{pinned(outdir)}: median req/s of {rounds} round(s), bars = min..max"
set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics
set ylabel "requests per second"
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set xrange [-0.6:{n - 0.4}]
set format y "%.0s%c"
set xtics nomirror
set key off
plot "{dat}" using 1:3:8:xtic(2) with boxes lc rgb variable, \\
     "" using 1:4:(0):($5 - $4) with vectors nohead lw 1.5 lc rgb "black", \\
     "" using 1:5:6 with labels offset 0,2.0 font ",10", \\
     "" using 1:5:7 with labels offset 0,0.9 font ",8"
'''
        if gnuplot(gp, load):
            made.append(png)
    return made


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__)
        return 2
    outdir = argv[0]
    rows = load_rows(os.path.join(outdir, 'raw.tsv'))
    if not rows:
        print('no runs in raw.tsv', file=sys.stderr)
        return 1
    stats = Stats(rows)
    rounds = len(order(r['round'] for r in rows))
    md = []

    def both(title, text_table, md_table, note=''):
        print(f'\n== {title}\n{text_table}')
        md.append(f'### {title}\n\n{md_table}\n')
        if note:
            print(note)
            md.append(note + '\n')

    env = os.path.join(outdir, 'env.txt')
    if os.path.exists(env):
        with open(env) as f:
            md.append('```\n' + f.read().rstrip() + '\n```\n')
    servers = os.path.join(outdir, 'servers.tsv')
    if os.path.exists(servers):
        with open(servers) as f:
            srv = list(csv.DictReader(f, delimiter='\t'))
        lines = [f'{s["target"]:<12} {s["check"]}' for s in srv]
        print('\n== servers\n' + '\n'.join(lines))
        md.append('Checks (GET /greet/John, then a second request on the same connection):\n\n```\n'
                  + '\n'.join(lines) + '\n```\n')

    note = (f'Medians of {rounds} interleaved round(s). "x nginx (paired)": ratio of the median req/s to '
            'nginx\'s, and in brackets the median of the same-round ratios; likewise for bare MHD (and mhd-hdr when it ran). '
            'errors = socket errors + non-2xx/3xx answers, summed over the rounds. peak RSS: the highest '
            'VmHWM sum over the process tree ((Np) = processes); cpu us/req: server utime+stime per request.')
    hdr, tr = table(stats, 'main', REFS['main'])
    both('Access logging off', as_text(hdr, tr), as_md(hdr, tr), note)

    start_rss = {}
    if os.path.exists(servers):
        start_rss = {s['target']: float(s['rss_kib']) for s in srv if (s.get('rss_kib') or '').isdigit()}
    hdr, tr = memory_table(stats, start_rss)
    if tr:
        both('Memory through the runs (access logging off)', as_text(hdr, tr), as_md(hdr, tr),
             'VmRSS summed over the server\'s processes: idle = just before the run (median of the rounds), '
             'peak sampled = highest sample (every RSS_INTERVAL s) over the rounds, peak VmHWM = the kernel\'s '
             'high-water mark (reset before each run; max over the rounds), at exit = when wrk has exited (its '
             'connections closed), +N s = N s later (medians; - = not sampled at this load, see AFTER_CLOSE_FROM). '
             '+5 s / idle: the worst round; +5 s / start: against the RSS of the freshly started server.')
    mc = load_memconn(os.path.join(outdir, 'memconn.tsv'))
    mt = memconn_table(mc)
    if mt:
        both('Memory per connection (memconn.py)', as_text(*mt, group=False), as_md(*mt),
             'Each server started afresh; connections opened in steps (each one GET /greet/John answered in full, '
             'then held idle), RSS sampled 0.5 s after each step. KiB/conn: least-squares slope of RSS over the '
             'open connections (intercept: its value at 0); x nginx: against nginx\'s slope and its RSS at the '
             'largest step; closed+N s: N s after all were closed. failed: connections refused, reset, '
             'unanswered or not 200; closed early: held connections the server closed while idle.')

    if any(r['table'] == 'log' for r in rows):
        hdr, tr = table(stats, 'log', REFS['log'])
        extra = []
        for load in sorted(order(r['load'] for r in rows if r['table'] == 'log'), key=load_key):
            for t, base in (('greet-log', 'greet'), ('nginx-log', 'nginx')):
                a, b = stats.median('log', load, t, 'rps'), stats.median('main', load, base, 'rps')
                if a and b:
                    extra.append(f'{load}: {t} = {a / b:.2f}x {base} without a log')
        for t in ('greet-log', 'nginx-log'):
            lb = [r['logb'] for r in rows if r['table'] == 'log' and r['target'] == t and r['logb'] is not None]
            if lb and max(lb) < 1:
                extra.append(f'WARNING: {t} wrote no access log lines (0 B/req): '
                             'its row measures a server that does not log')
        both('Access logging on (to a file on the same disk)', as_text(hdr, tr), as_md(hdr, tr),
             'Cost of logging (ratio of medians, same rounds): ' + '; '.join(extra) if extra else '')

    st = startup(os.path.join(outdir, 'startup.tsv'))
    if st:
        both('Start-up: exec to the first "Hello, John!"', as_text(*st, group=False), as_md(*st),
             'Median of the starts; each is a fresh process, timed from just before exec until the '
             'first GET /greet/John answers "Hello, John!" (polled every 0.5 ms).')

    g = goals(stats)
    if g:
        print('\n== goals of issue 7 (server)\n' + '\n'.join(g))
        md.append('### Goals of issue 7 (server)\n\n' + '\n'.join(g) + '\n')

    g14 = goals14(stats, start_rss, mc)
    if g14:
        print('\n== goals of issue 14 (scale)\n' + '\n'.join(g14))
        md.append('### Goals of issue 14 (scale)\n\n' + '\n'.join(g14) + '\n')

    micro = os.path.join(outdir, 'micro.txt')
    if os.path.exists(micro):
        with open(micro) as f:
            md.append('### Library micro-benchmarks\n\n' + f.read() + '\n')

    if '--no-chart' not in argv:
        pngs = chart(stats, outdir)
        for load in sorted(order(r['load'] for r in rows if r['rss_1s'] is not None), key=load_key):
            rpng = rss_chart(stats, outdir, load)
            if rpng:
                pngs.append(rpng)
        mpng = memconn_chart(mc, outdir)
        if mpng:
            pngs.append(mpng)
        for p in pngs:
            md.append(f'![{os.path.basename(p)}]({os.path.basename(p)})\n')
        if pngs:
            print('\ncharts: ' + ' '.join(pngs))
    with open(os.path.join(outdir, 'summary.md'), 'w') as f:
        f.write('\n'.join(md))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
