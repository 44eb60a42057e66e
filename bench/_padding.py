"""Helper functions and comments that pad generated scripts to realistic sizes.

Legacy ops scripts are big because they carry their own small utilities (retry loops,
size formatting, config loading), not because of their command line. These templates are
valid Python 2 and 3 alike (no f-strings, no print), so the same padding serves both kinds
of script. ``__noun__`` / ``__Noun__`` are replaced by a domain noun, which keeps function
names unique within a file.

Templates rely only on names every generated file defines: ``json``, ``logging``, ``os``,
``re``, ``sys``, ``time`` and a module-level ``log``.
"""

from __future__ import annotations

import random

FUNCTIONS: tuple[str, ...] = (
    r'''
def parse___noun___list(raw):
    """Split a comma or space separated list of __noun__ names, dropping blanks and dupes.

    Accepts what people paste from the wiki: "a, b  c,,d".
    """
    seen = []
    for part in raw.replace(",", " ").split():
        part = part.strip().lower()
        if part and part not in seen:
            seen.append(part)
    return seen
''',
    r'''
def retry___noun__(fn, attempts=3, delay=0.05, exceptions=(OSError,)):
    """Call fn() until it succeeds, at most `attempts` times.

    The __noun__ API flaps during deploys (see OPS-1123), so every call goes through this.
    """
    last = None
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except exceptions as exc:
            last = exc
            log.warning("__noun__ call failed (attempt %d/%d): %s", attempt, attempts, exc)
            time.sleep(min(delay * attempt, 0.1))
    raise last
''',
    r'''
def human___noun___size(num_bytes):
    """Format a byte count the way df -h does (1K = 1024)."""
    units = ["B", "K", "M", "G", "T", "P"]
    size = float(num_bytes)
    for unit in units:
        if abs(size) < 1024.0 or unit == units[-1]:
            return "%.1f%s" % (size, unit)
        size /= 1024.0
''',
    r'''
def parse___noun___duration(text, default_unit="s"):
    """Turn '90', '15m', '2h' or '1d' into seconds.

    Cron entries written before 2018 pass bare numbers, which are seconds.
    """
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = str(text).strip().lower()
    if not text:
        raise ValueError("empty duration")
    if text[-1].isdigit():
        return int(text) * units[default_unit]
    value, unit = text[:-1], text[-1]
    if unit not in units:
        raise ValueError("unknown duration unit %r in %r" % (unit, text))
    return int(value) * units[unit]
''',
    r'''
def chunk___noun__s(items, size):
    """Yield lists of at most `size` __noun__s; the API rejects bigger batches."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
''',
    r'''
def load___noun___config(path, defaults=None):
    """Read the JSON config for __noun__ jobs, falling back to `defaults`.

    Missing files are fine (fresh hosts have none yet); broken JSON is not.
    """
    config = dict(defaults or {})
    if not os.path.exists(path):
        log.debug("no config at %s, using defaults", path)
        return config
    with open(path) as handle:
        try:
            config.update(json.load(handle))
        except ValueError as exc:
            raise SystemExit("invalid JSON in %s: %s" % (path, exc))
    return config
''',
    r'''
def format___noun___table(rows, columns):
    """Render rows (dicts) as a fixed-width text table for the chatops reply."""
    widths = dict((c, len(c)) for c in columns)
    for row in rows:
        for c in columns:
            widths[c] = max(widths[c], len(str(row.get(c, ""))))
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in columns)]
    for row in rows:
        lines.append("  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns))
    return "\n".join(lines)
''',
    r'''
def wait_for___noun__(check, timeout=30.0, interval=0.05):
    """Poll check() until it returns something truthy or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.time() >= deadline:
            raise RuntimeError("timed out after %.0fs waiting for __noun__" % timeout)
        time.sleep(min(interval, 0.1))
''',
    r'''
def validate___noun___name(name):
    """Reject names that break the __noun__ naming convention (lowercase, dashes, <= 63)."""
    if not re.match(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", name):
        raise ValueError("invalid __noun__ name: %r" % name)
    return name
''',
    r'''
def build___noun___notification(summary, severity="info", details=None):
    """The JSON body the #ops-alerts webhook expects."""
    colors = {"info": "#439FE0", "warning": "#daa038", "critical": "#d00000"}
    if severity not in colors:
        raise ValueError("unknown severity %r" % severity)
    fields = []
    for key, value in sorted((details or {}).items()):
        fields.append({"title": key, "value": str(value), "short": True})
    return {
        "username": "opsbot",
        "icon_emoji": ":robot_face:",
        "attachments": [{
            "fallback": summary,
            "color": colors[severity],
            "title": summary,
            "fields": fields,
        }],
    }
''',
    r'''
def parse___noun___tags(pairs):
    """Turn ["team=payments", "tier=1"] into a dict; later keys win."""
    tags = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise ValueError("expected KEY=VALUE, got %r" % pair)
        key, value = pair.split("=", 1)
        tags[key.strip()] = value.strip()
    return tags
''',
    r'''
def __noun___lock_path(name, lock_dir="/var/lock/ops"):
    """Where the per-__noun__ lock lives; cron and chatops runs must not overlap."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    return os.path.join(lock_dir, "%s.lock" % safe)
''',
    r'''
def summarize___noun___results(results):
    """Count ok/failed/skipped results and list the failures for the exit message."""
    counts = {"ok": 0, "failed": 0, "skipped": 0}
    failures = []
    for name, status in results:
        counts[status] = counts.get(status, 0) + 1
        if status == "failed":
            failures.append(name)
    return counts, failures
''',
    r'''
class __Noun__Client(object):
    """Thin wrapper around the __noun__ admin API.

    Only builds requests; the caller decides whether to send them (dry runs).
    """

    def __init__(self, base_url, token=None, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _headers(self):
        headers = {"Accept": "application/json", "User-Agent": "ops-scripts/1.0"}
        if self.token:
            headers["Authorization"] = "Bearer %s" % self.token
        return headers

    def request(self, method, path, body=None):
        return {
            "method": method.upper(),
            "url": "%s/%s" % (self.base_url, path.lstrip("/")),
            "headers": self._headers(),
            "body": body,
            "timeout": self.timeout,
        }

    def list(self, **filters):
        query = "&".join("%s=%s" % (k, v) for k, v in sorted(filters.items()))
        return self.request("get", "__noun__s?" + query if query else "__noun__s")
''',
    r'''
def __noun___percentile(values, pct):
    """Nearest-rank percentile; good enough for the latency report."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(round(pct / 100.0 * len(ordered))))
    return ordered[min(rank, len(ordered)) - 1]
''',
    r'''
def diff___noun__s(current, desired):
    """What to add and what to remove to go from `current` to `desired` __noun__s."""
    current, desired = set(current), set(desired)
    return sorted(desired - current), sorted(current - desired)
''',
    r'''
def env___noun___flag(name, default=False):
    """Read a boolean from the environment the way our Ansible roles set them."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")
''',
    r'''
def read___noun___inventory(path, group=None):
    """Parse the INI-style inventory (one host per line, [group] headers).

    Comments start with '#'.  Returns {group: [hosts]}; hosts before any header go
    to 'ungrouped', like Ansible does.
    """
    groups = {}
    current = "ungrouped"
    if not os.path.exists(path):
        return groups
    with open(path) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if line.startswith("[") and line.endswith("]"):
                current = line[1:-1].strip()
                continue
            groups.setdefault(current, []).append(line.split()[0])
    if group is not None:
        return {group: groups.get(group, [])}
    return groups
''',
)

#: Helpers only Python 2 reads: print statements, ``except X, e``, ``raise E, msg``, octal
#: literals, backticks, ``<>``, ``has_key``/``iteritems``. Real Python 2 scripts are full of
#: them, not only of the two spellings a command line needs.
PY2_FUNCTIONS: tuple[str, ...] = (
    r'''
def show___noun___summary(counts):
    """Print the per-status counts the way the cron mail has always shown them."""
    for status, count in sorted(counts.iteritems()):
        print "%-10s %5d" % (status, count)
    print
''',
    r'''
def ensure___noun___dir(path, mode=0755):
    """Create the folder with the permissions the cron user expects."""
    if not os.path.isdir(path):
        os.makedirs(path, mode)
    return path
''',
    r'''
def fail___noun__(message, code=1):
    """Print the error where cron mails it, then exit."""
    print >>sys.stderr, "__noun__ error: %s" % message
    raise SystemExit, code
''',
    r'''
def count___noun__s_by(rows, key):
    """How many __noun__s share each value of `key`."""
    counts = {}
    for row in rows:
        if not counts.has_key(row[key]):
            counts[row[key]] = 0
        counts[row[key]] += 1
    for k, v in counts.iteritems():
        log.debug("%s: %d", k, v)
    return counts
''',
    r'''
def decode___noun___field(raw):
    """The __noun__ API mixes UTF-8 and Latin-1; return unicode either way."""
    if isinstance(raw, unicode):
        return raw
    try:
        return unicode(raw, "utf-8")
    except UnicodeDecodeError, exc:
        log.warning("bad bytes in __noun__ field: %s", exc)
        return unicode(raw, "latin-1")
''',
    r'''
def __noun___labels(start, stop, skip=None):
    """Labels for the numbered __noun__s, as the old inventory wrote them."""
    labels = []
    for i in xrange(start, stop):
        if skip is None or i <> skip:
            labels.append("__noun__-" + `i`)
    return labels
''',
    r'''
def ask___noun___confirmation(prompt, default=False):
    """Ask on the terminal; cron runs (no tty) take the default."""
    if not sys.stdin.isatty():
        return default
    answer = raw_input(prompt + " [y/N] ")
    print "you said %r" % answer
    return answer.strip().lower() in ("y", "yes")
''',
)

COMMENTS: tuple[str, ...] = (
    """
# ---------------------------------------------------------------------------
# __Noun__ helpers.  Copied from the old cron box in 2016; other scripts grep
# for these names, so keep the signatures.
# ---------------------------------------------------------------------------
""",
    """
# NOTE(ops, 2017-09): the __noun__ API returns 409 while a previous job is still
# running.  We used to sleep 60s here; the retry helper below is what replaced it.
""",
    """
# TODO: move these into the shared lib once the py3 migration is done.  Until
# then, fix bugs here *and* in the other copies (see the wiki page "ops-scripts").
""",
    """
# Keep this file importable without side effects: the cron wrapper imports it
# to read __doc__ for the run report.
""",
    """
# Everything below only *builds* requests and plans.  Sending them is the job of
# the caller, so dry runs and the chatops preview share the same code path.
""",
)

NOUNS: tuple[str, ...] = (
    "host", "service", "node", "bucket", "index", "volume", "queue", "cert", "user",
    "zone", "record", "replica", "shard", "tenant", "cluster", "worker", "vhost", "job",
    "snapshot", "tunnel", "pool", "key", "mount", "route",
)


def camel(noun: str) -> str:
    return "".join(part.capitalize() for part in noun.split("_"))


def render(template: str, noun: str) -> str:
    return template.replace("__Noun__", camel(noun)).replace("__noun__", noun)


def padding(rng: random.Random, budget: int, used: set[str],
            templates: tuple[str, ...] = FUNCTIONS) -> list[str]:
    """Helper blocks adding up to about ``budget`` bytes, none redefining a name in ``used``.

    ``used`` holds (template index, noun) keys already emitted in the file; it is updated.
    ``templates`` is FUNCTIONS (valid Python 2 and 3), or FUNCTIONS + PY2_FUNCTIONS.
    """
    blocks: list[str] = []
    size = 0
    attempts = 0
    while size < budget and attempts < 400:
        attempts += 1
        t = rng.randrange(len(templates))
        noun = rng.choice(NOUNS)
        key = f"{t}:{noun}"
        if key in used:
            continue
        used.add(key)
        block = render(templates[t], noun)
        if rng.random() < 0.15:
            block = render(rng.choice(COMMENTS), noun) + block
        blocks.append(block)
        size += len(block) + 1
    return blocks
