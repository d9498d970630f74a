"""Summarizes py-spy's raw (collapsed) stacks: inclusive and self share of each frame.

    python bench/summarize_stacks.py out/profile.txt [--top 40] [--match qiscus]
"""
import argparse
import collections
import re

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--top", type=int, default=40)
ap.add_argument("--thread", default=None, help="only stacks whose first frame contains this")
ap.add_argument("--within", default=None, help="only stacks with a frame containing this")
a = ap.parse_args()
incl = collections.Counter()
self_ = collections.Counter()
total = 0
for line in open(a.file):
    line = line.rstrip("\n")
    if not line:
        continue
    stack, _, n = line.rpartition(" ")
    n = int(n)
    if a.thread and a.thread not in stack.split(";")[0]:
        continue
    if a.within and a.within not in stack:
        continue
    frames = [re.sub(r" \(.*?:\d+\)$", "", f) if False else f for f in stack.split(";")]
    # merge frames by function name + file, not by line
    names = [re.sub(r":\d+\)$", ")", f) for f in frames]
    total += n
    for f in set(names):
        incl[f] += n
    self_[names[-1]] += n
print(f"total samples {total}")
print("--- inclusive")
for f, n in incl.most_common(a.top):
    print(f"{100 * n / total:6.1f}%  {f[:160]}")
print("--- self")
for f, n in self_.most_common(a.top):
    print(f"{100 * n / total:6.1f}%  {f[:160]}")
