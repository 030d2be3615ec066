#!/usr/bin/env python3
"""validate_json.py SCEPSNIFF SCHEMA PCAP... — every JSON line scepsniff writes for each capture
(default report and --flows view) must validate against docs/scepsniff.schema.json, and the
run must write at least one SCEP exchange record over all captures."""
import json
import os
import subprocess
import sys

import jsonschema


def main():
    binary, schema_path, pcaps = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    counts, bad = {}, 0
    for pcap in pcaps:
        # the plain report, the flows view, and a report with a --ca-file record (flow_id 0)
        cafile = os.path.join(os.path.dirname(schema_path), "..", "pcaps", "keys", "scep-depot",
                              "ca.pem")
        for extra in ([], ["--flows"], ["--ca-file", cafile]):
            out = subprocess.run([binary, "--no-progress", "--json", "-r", pcap] + extra,
                                 capture_output=True, text=True)
            if out.returncode not in (0, 1):
                print(f"{pcap}: scepsniff exited {out.returncode}: {out.stderr}")
                bad += 1
                continue
            for n, line in enumerate(out.stdout.splitlines(), 1):
                rec = json.loads(line)
                counts[rec["event_type"]] = counts.get(rec["event_type"], 0) + 1
                for err in validator.iter_errors(rec):
                    bad += 1
                    print(f"{pcap}{' --flows' if extra else ''} line {n}: {err.message} at "
                          f"{'/'.join(str(p) for p in err.absolute_path)}")
    print(f"records by type: {counts}; {bad} problems")
    sys.exit(1 if bad or not counts.get("scep") or not counts.get("enrollment") else 0)


if __name__ == "__main__":
    main()
