#!/usr/bin/python3
"""check_metrics.py — a small Prometheus text-format (0.0.4) parser and the
checks tests/vdev/monitoring_test.sh runs on scripts/synx-exporter's output.

  check_metrics.py parse METRICS.txt
      the text parses: every sample line is NAME[{LABELS}] VALUE, its family
      has one HELP and one TYPE line before its samples, counters end in
      _total, no sample (name + labels) appears twice.
  check_metrics.py compare METRICS.txt STATS.json DROPS.json
      every /synx/stats counter has the metric whose HELP names its key and
      the same value; every /synx/drops reason is synx_drops_total{reason=...}
      with the same value.
  check_metrics.py --selftest
"""
import json
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\n"])*"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:,%s)*)?\})? (\S+)$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class ParseError(Exception):
    pass


def parse_value(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)  # raises ValueError on junk


def parse(text):
    """-> (families {name: {"type", "help"}}, samples {(name, labels tuple): value})"""
    families, samples = {}, {}
    current = None
    if not text.endswith("\n"):
        raise ParseError("the text does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line:
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                raise ParseError("line %d: malformed %r" % (n, line))
            fam = families.setdefault(parts[2], {})
            key = parts[1].lower()
            if key in fam:
                raise ParseError("line %d: second %s for %s" % (n, parts[1], parts[2]))
            if key == "type" and parts[3] not in TYPES:
                raise ParseError("line %d: unknown type %r" % (n, parts[3]))
            if key == "type" and parts[2] in {s[0] for s in samples}:
                raise ParseError("line %d: TYPE after samples of %s" % (n, parts[2]))
            fam[key] = parts[3]
            current = parts[2]
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ParseError("line %d: not a sample: %r" % (n, line))
        name, labels_text, value = m.group(1), m.group(2) or "", m.group(3)
        labels = tuple(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', labels_text))
        base = re.sub(r"_(bucket|sum|count)$", "", name) if current and \
            families.get(current, {}).get("type") in ("histogram", "summary") else name
        if base != current:
            raise ParseError("line %d: sample %s outside its family (current %s)" % (n, name, current))
        fam = families[base]
        if "help" not in fam or "type" not in fam:
            raise ParseError("line %d: %s has no HELP or TYPE before its samples" % (n, base))
        if fam["type"] == "counter" and not base.endswith("_total"):
            raise ParseError("line %d: counter %s does not end in _total" % (n, base))
        try:
            v = parse_value(value)
        except ValueError:
            raise ParseError("line %d: value %r is not a number" % (n, value))
        if (name, labels) in samples:
            raise ParseError("line %d: duplicate sample %s%s" % (n, name, labels))
        samples[(name, labels)] = v
    return families, samples


def compare(metrics_text, stats, drops):
    families, samples = parse(metrics_text)
    errors = []
    by_key = {}
    for name, fam in families.items():
        m = re.search(r"\((\w+)\)$", fam.get("help", ""))
        if m and fam.get("type") == "counter" and not name.startswith("synx_worker_"):
            by_key[m.group(1)] = name
    checked = 0
    for key, value in stats.items():
        if key in ("role", "uptime_ms", "drops_total"):
            continue
        name = by_key.get(key)
        if name is None:
            errors.append("no metric for /synx/stats key %s" % key)
            continue
        got = samples.get((name, ()))
        if got != value:
            errors.append("%s = %r, /synx/stats %s = %r" % (name, got, key, value))
        checked += 1
    for reason, value in drops.items():
        if reason == "drops_total":
            continue
        got = samples.get(("synx_drops_total", (("reason", reason),)))
        if got != value:
            errors.append('synx_drops_total{reason="%s"} = %r, /synx/drops = %r' % (reason, got, value))
        checked += 1
    if samples.get(("synx_up", ())) != 1:
        errors.append("synx_up is not 1")
    if errors:
        raise ParseError("; ".join(errors))
    return checked


def selftest():
    good = ('# HELP a_total x (k)\n# TYPE a_total counter\na_total 3\n'
            '# HELP d_total y\n# TYPE d_total counter\nd_total{reason="r\\"q"} 1\n'
            '# HELP h z\n# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\n'
            'h_sum 0.3\nh_count 2\n# HELP synx_up u\n# TYPE synx_up gauge\nsynx_up 1\n')
    fams, samples = parse(good)
    assert samples[("a_total", ())] == 3 and samples[("h_count", ())] == 2, samples
    assert samples[("d_total", (("reason", 'r\\"q'),))] == 1, samples
    bad = [
        "a 1\n",                                           # no HELP/TYPE
        "# HELP a x\n# TYPE a counter\na 1\n",             # counter without _total
        "# HELP a x\n# TYPE a gauge\na one\n",             # not a number
        "# HELP a x\n# TYPE a gauge\na{l=1} 1\n",          # unquoted label
        "# HELP a x\n# TYPE a gauge\na 1\na 2\n",          # duplicate
        "# HELP a x\n# TYPE a gauge\na 1",                 # no final newline
        "# HELP a x\n# TYPE a gauge\n# TYPE a gauge\na 1\n",  # TYPE twice
        "# HELP a x\n# TYPE a gauge\na 1\n# HELP b y\n# TYPE b gauge\na 2\n",  # stray
    ]
    for text in bad:
        try:
            parse(text)
        except ParseError:
            continue
        raise AssertionError("accepted bad text %r" % text)
    stats = {"role": "responder", "uptime_ms": 1, "k": 3, "drops_total": 1}
    assert compare(good.replace("d_total{reason", "synx_drops_total{reason")
                   .replace("# HELP d_total", "# HELP synx_drops_total")
                   .replace("# TYPE d_total", "# TYPE synx_drops_total"),
                   stats, {"drops_total": 1, 'r\\"q': 1}) == 2
    try:
        compare(good, dict(stats, k=4), {})
    except ParseError:
        pass
    else:
        raise AssertionError("a mismatch was not caught")
    print("selftest ok")


def main():
    if sys.argv[1:] == ["--selftest"]:
        selftest()
        return 0
    if sys.argv[1] == "parse":
        fams, samples = parse(open(sys.argv[2]).read())
        print("parsed %d families, %d samples" % (len(fams), len(samples)))
        return 0
    if sys.argv[1] == "compare":
        n = compare(open(sys.argv[2]).read(), json.load(open(sys.argv[3])),
                    json.load(open(sys.argv[4])))
        print("%d values match" % n)
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ParseError as e:
        sys.exit("check_metrics: %s" % e)
