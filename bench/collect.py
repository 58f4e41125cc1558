"""Benchmark: a synthetic province collected from loopback, duban in full against the bare floor.

120 projects × 8 sources, one ~50 KB GBK report page each, served by a threaded HTTP server in a
separate process. Two kinds of run, each in a fresh child process so CPU time and peak RSS are
its own:

* floor — the same fetch (HttpClient) and parse (HtmlCollector) with no storage at all;
* duban — ``jobs.collect.collect``: fetch + parse + store figures + evidence files + attempts in
  SQLite, exactly as ``duban collect`` runs.

A shared 2-core machine varies by ±20 % from one run to the next, so each kind runs ``--rounds``
times, alternately, and the medians are compared (every run is printed as well).

Usage: ``python bench/collect.py [--projects 120] [--sources 8] [--workers 4] [--rounds 3]``
Targets: the whole province in ≤ 60 s, and duban at ≥ 70 % of the floor's pages/s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIELDS = (
    ("G", "网络零售额（万元）", "万元"),
    ("A", "农产品网络零售额（万元）", "万元"),
    ("E", "快递业务量（件）", "件"),
)
NOW = datetime(2023, 10, 5, 1, 0, tzinfo=UTC)
TARGET_SECONDS = 60.0
TARGET_SHARE = 0.70


def render(project: int, source: int) -> bytes:
    """A ~50 KB report page: the month table duban reads and a long shop list it does not."""
    months = "\n".join(
        f"<tr><td>2023年{m}月</td><td>{100 + project + m * 1.5:.1f}</td><td>{60 + source + m:.1f}</td>"
        f"<td>{1000 * m + project:,}</td></tr>"
        for m in range(1, 10)
    )
    shops = "\n".join(
        f"<tr><td>{i}</td><td>县{project}号电商服务站{i}</td><td>特产专营店</td><td>{i * 37 % 997}</td>"
        f"<td>{i * 13.7:.1f}</td><td>正常营业</td></tr>"
        for i in range(1, 460)
    )
    return f"""<!DOCTYPE html><html><head><meta charset="gbk">
<title>数据统计后台 {project}-{source}</title></head>
<body><div class="nav">首页 &gt; 统计报表 &gt; 月度经营数据</div>
<table class="report"><tr><th>月份</th><th>网络零售额（万元）</th><th>农产品网络零售额（万元）</th>
<th>快递业务量（件）</th></tr>
{months}
</table>
<h4>服务站点经营明细</h4>
<table class="detail"><tr><th>序号</th><th>站点</th><th>类型</th><th>订单</th><th>金额</th><th>状态</th></tr>
{shops}
</table><div class="footer">版权所有</div></body></html>""".encode("gbk")


def serve(port_out: multiprocessing.connection.Connection, projects: int, sources: int) -> None:
    pages = {f"/p{p}/s{s}": render(p, s) for p in range(projects) for s in range(sources)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = pages.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=gbk")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.send((server.server_address[1], sum(len(b) for b in pages.values()) / len(pages)))
    server.serve_forever()


def sources_for(url: str, projects: int, sources: int):
    from collectors.base import FigureSpec, SourceConfig

    return [
        SourceConfig(
            f"p{p}",
            f"s{s}",
            "html",
            {"url": f"{url}/p{p}/s{s}"},
            tuple(FigureSpec(f"{c}{s}", *f) for c, *f in FIELDS),
        )
        for p in range(projects)
        for s in range(sources)
    ]


def run_child(mode: str, url: str, projects: int, sources: int, workers: int) -> dict[str, float]:
    from collectors.base import Collected, CollectorEnv
    from collectors.html import HtmlCollector
    from collectors.http import HttpClient
    from collectors.lanes import run_by_host

    configs = sources_for(url, projects, sources)
    data = Path(tempfile.mkdtemp(prefix=f"duban-bench-{mode}-"))
    env = CollectorEnv(HttpClient(timeout=30, host_limit=workers), data)
    if mode == "duban":
        from collectors.registry import default_registry
        from jobs.collect import collect
        from tests.collect_helpers import make_db

        engine = make_db(data, configs)
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "duban":
        result = collect(
            engine, default_registry(), env, data / "evidence", now=NOW, environ={}, workers=workers
        )
        figures, failures = result.figures, len(result.failures)
    else:
        collector = HtmlCollector(env)

        def one(config):
            return collector.collect(config, now=NOW)

        lanes = run_by_host(configs, lambda c: "loopback", one, per_host=workers, workers=workers)
        done = [pair for batch in lanes for pair in batch]
        figures = sum(len(r.figures) for _, r in done if isinstance(r, Collected))
        failures = 0
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": cpu, "rss_mb": rss_mb, "figures": figures, "failures": failures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=120)
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, floor and duban alternately")
    parser.add_argument("--child", choices=["floor", "duban"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.url, args.projects, args.sources, args.workers)))
        return
    receive, send = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(send, args.projects, args.sources), daemon=True)
    server.start()
    port, page_size = receive.recv()
    url = f"http://127.0.0.1:{port}"
    pages = args.projects * args.sources
    scale = f"{args.projects} 个项目 × {args.sources} 个数据源 = {pages} 页"
    print(f"省级规模：{scale}，平均 {page_size / 1024:.1f} KB/页")
    runs: dict[str, list[dict[str, float]]] = {"floor": [], "duban": []}
    try:
        for round_ in range(args.rounds):
            # Alternate which goes first, so a machine that speeds up or slows down during the
            # run weighs on both alike; the medians are compared.
            order = ("floor", "duban") if round_ % 2 == 0 else ("duban", "floor")
            for mode in order:
                r = run_once(mode, url, args)
                runs[mode].append(r)
                print(
                    f"第 {round_ + 1} 轮 {mode:6s} {r['wall']:7.2f} s  {pages / r['wall']:7.1f} 页/s  "
                    f"{r['cpu'] / pages * 1000:6.2f} ms CPU/页  峰值内存 {r['rss_mb']:6.1f} MB  "
                    f"数据 {r['figures']:.0f}  失败 {r['failures']:.0f}",
                    flush=True,
                )
    finally:
        server.terminate()
    floor, duban = median_run(runs["floor"]), median_run(runs["duban"])
    share = floor["wall"] / duban["wall"]
    failures = max(r["failures"] for r in runs["duban"])
    met = duban["wall"] <= TARGET_SECONDS and share >= TARGET_SHARE and failures == 0
    pairs = zip(runs["floor"], runs["duban"], strict=True)
    shares = "、".join(f"{f['wall'] / d['wall']:.2f}" for f, d in pairs)
    print(f"中位数：duban {duban['wall']:.2f} s，下限 {floor['wall']:.2f} s；各轮比值 {shares}")
    print(
        f"RESULT pages={pages} rounds={args.rounds} duban_s={duban['wall']:.2f} floor_s={floor['wall']:.2f} "
        f"duban_pages_per_s={pages / duban['wall']:.1f} floor_pages_per_s={pages / floor['wall']:.1f} "
        f"share={share:.2f} duban_cpu_ms_per_page={duban['cpu'] / pages * 1000:.2f} "
        f"floor_cpu_ms_per_page={floor['cpu'] / pages * 1000:.2f} duban_rss_mb={duban['rss_mb']:.0f} "
        f"floor_rss_mb={floor['rss_mb']:.0f} target={'met' if met else 'missed'}"
    )


def run_once(mode: str, url: str, args: argparse.Namespace) -> dict[str, float]:
    """One collection in a fresh child process, so its CPU time and peak RSS are its own."""
    command = [sys.executable, __file__, "--child", mode, "--url", url, "--projects", str(args.projects)]
    command += ["--sources", str(args.sources), "--workers", str(args.workers)]
    answer = subprocess.run(command, capture_output=True, text=True)
    if answer.returncode:
        raise SystemExit(f"{mode} 运行失败：\n{answer.stderr}")
    return json.loads(answer.stdout.strip().splitlines()[-1])


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each measure's median over the rounds; peak RSS is the highest seen."""
    middle = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    middle["rss_mb"] = max(r["rss_mb"] for r in runs)
    return middle


if __name__ == "__main__":
    main()
