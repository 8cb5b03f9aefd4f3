/*
 * hcload/html_page.js: draws the charts of an hcload report page (hcload/html.c embeds this file
 * in every page it writes, with the run's figures as JSON in the script element hc-data).
 *
 * No library and no network: each chart is plain SVG built with DOM calls, so a page opens
 * offline and every text from the run goes in through textContent, never as markup. Each chart
 * records how many data points it drew in its data-points attribute and window.hcReport sums
 * them up, so a test (or a curious user) can check that the page drew what the run carried.
 * An exception is shown in #hc-error rather than leaving an empty chart that looks like an
 * idle server.
 */
(function () {
    'use strict';
    var SVG = 'http://www.w3.org/2000/svg';
    var W = 960, H = 300, ML = 70, MR = 60, MT = 16, MB = 42;
    var COLORS = {p50: '#1f77b4', p90: '#2ca02c', p99: '#ff7f0e', max: '#7f7f7f',
                  rate: '#1f77b4', errors: '#d62728', corrected: '#1f77b4',
                  uncorrected: '#9467bd'};
    var report = {ok: false, charts: {}, error: null};
    window.hcReport = report;

    function fail(msg) {
        report.ok = false;
        report.error = String(msg);
        var box = document.getElementById('hc-error');
        if (box) {
            box.hidden = false;
            box.textContent = 'The charts could not be drawn: ' + msg;
        }
    }
    window.addEventListener('error', function (e) { fail(e.message); });

    function el(name, attrs, parent) {
        var n = document.createElementNS(SVG, name);
        for (var k in attrs)
            n.setAttribute(k, attrs[k]);
        if (parent)
            parent.appendChild(n);
        return n;
    }
    function text(parent, x, y, s, attrs) {
        var a = {x: x, y: y};
        for (var k in attrs || {})
            a[k] = attrs[k];
        var t = el('text', a, parent);
        t.textContent = s;
        return t;
    }

    /* Microseconds as the text summary writes durations: 812ns, 41.2us, 1.25ms, 3.40s. */
    function fmtUs(us) {
        if (!isFinite(us))
            return '-';
        if (us === 0)
            return '0';
        var ns = us * 1000;
        var units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'us'], [1, 'ns']];
        for (var i = 0; i < units.length; i++) {
            if (Math.abs(ns) >= units[i][0] || i === units.length - 1) {
                var v = ns / units[i][0];
                return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) +
                       units[i][1];
            }
        }
        return String(us);
    }
    function fmtNum(v) {
        if (v >= 1e6)
            return (v / 1e6).toFixed(v >= 1e7 ? 0 : 1) + 'M';
        if (v >= 1e4)
            return (v / 1e3).toFixed(0) + 'k';
        return v % 1 === 0 ? String(v) : v.toFixed(1);
    }
    function fmtSec(v) { return v % 1 === 0 ? v + 's' : v.toFixed(1) + 's'; }
    /* 1/(1-p) on a log10 axis: x = 1 is 90 %, x = 2 is 99 %, ... */
    function ninesLabel(x) {
        if (x === 0)
            return '0%';
        var s = (100 - 100 / Math.pow(10, x)).toFixed(Math.max(0, x - 2));
        return s + '%';
    }

    /* A round step for an axis of span `span` in about `n` ticks. */
    function niceStep(span, n) {
        var raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
        var f = raw / mag;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
    }

    /*
     * One chart in svg: spec.series are lines ({name, color, dash, pts: [[x, y]...]}),
     * spec.bars one bar series on its own right-hand axis ({name, color, pts}), spec.x the
     * x axis ({kind: 'time' | 'nines', max}), spec.yfmt formats left-axis values.
     */
    function chart(svg, spec) {
        while (svg.firstChild)
            svg.removeChild(svg.firstChild);
        svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
        var pw = W - ML - MR, ph = H - MT - MB;
        var xmax = 0, ymax = 0, bmax = 0, points = 0;
        spec.series.forEach(function (s) {
            s.pts.forEach(function (p) {
                xmax = Math.max(xmax, p[0]);
                ymax = Math.max(ymax, p[1]);
            });
        });
        if (spec.bars)
            spec.bars.pts.forEach(function (p) {
                xmax = Math.max(xmax, p[0]);
                bmax = Math.max(bmax, p[1]);
            });
        if (spec.x.kind === 'nines')
            xmax = Math.max(1, Math.ceil(xmax - 1e-9));
        if (xmax <= 0)
            xmax = 1;
        var ystep = niceStep(ymax > 0 ? ymax : 1, 5);
        var ytop = Math.max(ystep, Math.ceil(ymax / ystep) * ystep);
        var bstep = Math.max(1, niceStep(bmax > 0 ? bmax : 1, 4)); /* whole requests */
        var btop = Math.max(bstep, Math.ceil(bmax / bstep) * bstep);
        function X(v) { return ML + pw * v / xmax; }
        function Y(v) { return MT + ph - ph * v / ytop; }
        function B(v) { return MT + ph - ph * v / btop; }

        var grid = el('g', {'class': 'grid'}, svg);
        for (var y = 0; y <= ytop + ystep / 2; y += ystep) {
            el('line', {x1: ML, x2: ML + pw, y1: Y(y), y2: Y(y)}, grid);
            text(grid, ML - 6, Y(y) + 4, spec.yfmt(y), {'text-anchor': 'end'});
        }
        if (spec.x.kind === 'nines') {
            for (var d = 0; d <= xmax; d++) {
                el('line', {x1: X(d), x2: X(d), y1: MT, y2: MT + ph}, grid);
                text(grid, X(d), MT + ph + 16, ninesLabel(d), {'text-anchor': 'middle'});
            }
        } else {
            var xstep = niceStep(xmax, 8);
            for (var t = 0; t <= xmax + 1e-9; t += xstep) {
                el('line', {x1: X(t), x2: X(t), y1: MT, y2: MT + ph}, grid);
                text(grid, X(t), MT + ph + 16, fmtSec(t), {'text-anchor': 'middle'});
            }
        }
        text(svg, ML + pw / 2, H - 6, spec.x.label, {'text-anchor': 'middle', 'class': 'axis'});
        if (spec.bars) {
            for (var b = 0; b <= btop + bstep / 2; b += bstep)
                text(grid, ML + pw + 6, B(b) + 4, fmtNum(b), {'class': 'bars'});
            var bw = Math.max(1, pw / Math.max(1, spec.bars.pts.length) * 0.6);
            var bg = el('g', {fill: spec.bars.color, 'class': 'series', 'data-name': spec.bars.name}, svg);
            spec.bars.pts.forEach(function (p) {
                if (p[1] > 0) {
                    var r = el('rect', {x: X(p[0]) - bw, width: bw, y: B(p[1]),
                                        height: MT + ph - B(p[1])}, bg);
                    el('title', {}, r).textContent = fmtSec(p[0]) + ': ' + p[1] + ' errors';
                }
                points++;
            });
        }
        spec.series.forEach(function (s) {
            if (s.pts.length === 0)
                return;
            var d = s.pts.map(function (p, i) {
                return (i ? 'L' : 'M') + X(p[0]).toFixed(1) + ' ' + Y(p[1]).toFixed(1);
            }).join(' ');
            var g = el('g', {'class': 'series', 'data-name': s.name}, svg);
            el('path', {d: d, fill: 'none', stroke: s.color, 'stroke-width': s.width || 1.6,
                        'stroke-dasharray': s.dash || 'none',
                        'stroke-opacity': s.dash ? 0.75 : 1}, g);
            /* A series of one or two points would be a dot too small to see as a line. */
            if (s.marks || s.pts.length < 3) {
                s.pts.forEach(function (p) {
                    var c = el('circle', {cx: X(p[0]), cy: Y(p[1]), r: 2.2, fill: s.color}, g);
                    el('title', {}, c).textContent = s.name + ' ' +
                        (s.label ? s.label(p) : fmtSec(p[0]) + ': ' + spec.yfmt(p[1]));
                });
            }
            points += s.pts.length;
        });
        el('rect', {x: ML, y: MT, width: pw, height: ph, 'class': 'frame'}, svg);

        var legend = document.getElementById(svg.id + '-legend');
        if (legend) {
            legend.textContent = '';
            var all = spec.series.slice();
            if (spec.bars)
                all.push(spec.bars);
            all.forEach(function (s) {
                var item = document.createElement('span');
                item.className = 'key' + (s.dash ? ' dashed' : '');
                item.style.setProperty('--c', s.color);
                item.textContent = s.name;
                legend.appendChild(item);
            });
            (spec.notes || []).forEach(function (n) {
                var item = document.createElement('span');
                item.className = 'note';
                item.textContent = n;
                legend.appendChild(item);
            });
        }
        svg.setAttribute('data-points', String(points));
        return points;
    }

    function col(rows, key) {
        return rows.filter(function (r) { return typeof r[key] === 'number'; })
                   .map(function (r) { return [r.t, r[key]]; });
    }
    /* Spectrum pairs [percentile, us] as [log10(1/(1-p)), us]; 100 % has no place on the axis. */
    function nines(pairs) {
        return pairs.filter(function (p) { return p[0] < 100; })
                    .map(function (p) { return [Math.log10(100 / (100 - p[0])), p[1], p[0]]; });
    }

    function draw() {
        var src = document.getElementById('hc-data');
        if (!src)
            throw new Error('no data in the page');
        var data = JSON.parse(src.textContent);
        var runs = [data.run];
        if (data.baseline)
            runs.push(data.baseline);
        var tag = function (r, name) { return data.baseline ? name + ' (' + r.label + ')' : name; };
        var dash = function (i) { return i ? '6 4' : null; };

        var lat = [], rate = [], spec = [], notes = [], bars = null;
        runs.forEach(function (r, i) {
            ['p50', 'p90', 'p99', 'max'].forEach(function (k) {
                lat.push({name: tag(r, k), color: COLORS[k], dash: dash(i),
                          width: k === 'max' ? 1 : 1.6, pts: col(r.seconds, k + '_us')});
            });
            rate.push({name: tag(r, 'responses/s'), color: COLORS.rate, dash: dash(i),
                       pts: col(r.seconds, 'rate')});
            if (i === 0)
                bars = {name: 'failed requests', color: COLORS.errors, pts: col(r.seconds, 'errors')};
            ['corrected', 'uncorrected'].forEach(function (k) {
                var pairs = r.spectrum[k] || [];
                if (pairs.length === 0)
                    return;
                spec.push({name: tag(r, k === 'corrected' && !r.open ? 'latency' : k),
                           color: COLORS[k], dash: dash(i), marks: true, pts: nines(pairs),
                           label: function (p) { return p[2] + '%: ' + fmtUs(p[1]); }});
                var last = pairs[pairs.length - 1];
                if (last[0] >= 100)
                    notes.push(tag(r, k) + ' max ' + fmtUs(last[1]));
            });
        });
        report.charts.latency = chart(document.getElementById('chart-latency'),
            {series: lat, x: {kind: 'time', label: 'seconds into the run'}, yfmt: fmtUs});
        report.charts.spectrum = chart(document.getElementById('chart-spectrum'),
            {series: spec, notes: notes, yfmt: fmtUs,
             x: {kind: 'nines', label: 'percentile (log scale of 1/(1-p), as HdrHistogram plots it)'}});
        report.charts.rate = chart(document.getElementById('chart-rate'),
            {series: rate, bars: bars, yfmt: fmtNum,
             x: {kind: 'time', label: 'seconds into the run (bars: failed requests, right axis)'}});
        report.runs = runs.length;
        report.ok = true;
    }

    try {
        draw();
    } catch (e) {
        fail(e && e.message ? e.message : e);
    }
    document.body.setAttribute('data-rendered', report.ok ? 'ok' : 'failed');
})();
