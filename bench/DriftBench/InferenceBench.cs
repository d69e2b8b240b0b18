using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.DriftBench;

// TargetMicros: the product requirement's bound for this kind of payload, when it has one.
internal sealed record InferenceCase(
    string Name, int Bytes, int Fields, IReadOnlyList<string> LimitsHit, CallCost Infer, CallCost Parse, double? TargetMicros);

internal sealed record DiffCase(string Name, int FromFields, int ToFields, int Changes, CallCost Diff);

// Schema inference with its fingerprint, per payload, on payloads already parsed (as the consumer receives them), and
// the diff between two versions of a typical payload, each with the service's default limits.
internal static class InferenceBench
{
    // "Well under a millisecond" for a typical 1–5 KB payload.
    public const double TypicalTargetMicros = 1_000;

    // Deep enough for the hostile nesting; the inferrer's own depth limit is what is measured.
    private static readonly JsonDocumentOptions Parsing = new() { MaxDepth = 1024 };

    public static List<InferenceCase> Payloads(int repeat, int seed, Action<string> say)
    {
        var random = new Random(seed);
        var payloads = new (string Name, byte[] Json, double? Target)[]
        {
            ("small: flat object", SamplePayloads.Small(), null),
            ("typical ~1 KB: 10 records", SamplePayloads.Typical(random, 10, detailed: false, shape: 0), TypicalTargetMicros),
            ("typical ~5 KB: 30 detailed records", SamplePayloads.Typical(random, 30, detailed: true, shape: 0), TypicalTargetMicros),
            ("hostile: objects nested 200 deep", SamplePayloads.Deep(200), null),
            ("hostile: 10,000 keys in one object", SamplePayloads.Wide(10_000), null),
            ("hostile: array of 100,000 records", SamplePayloads.LongArray(100_000), null),
            ("hostile: a 30,000-character key", SamplePayloads.LongKey(30_000), null),
        };
        var inferrer = new SchemaInferrer(new InferenceLimits());
        var cases = new List<InferenceCase>();
        foreach (var (name, json, target) in payloads)
        {
            say($"Timing inference: {name} ({json.Length:N0} B)…");
            using var document = JsonDocument.Parse(json, Parsing);
            var root = document.RootElement;
            var schema = inferrer.Infer(root, payloadTruncated: false);
            var infer = CpuTiming.Measure(() => inferrer.Infer(root, payloadTruncated: false).Fingerprint.Length, repeat);
            var parse = CpuTiming.Measure(() =>
            {
                using var parsed = JsonDocument.Parse(json, Parsing);
                return (int)parsed.RootElement.ValueKind;
            }, repeat);
            say($"  {infer.Micros.Median:N1} µs, {infer.AllocatedBytes.Median:N0} B allocated");
            cases.Add(new InferenceCase(name, json.Length, schema.Fields.Count, schema.LimitsHit, infer, parse, target));
        }
        return cases;
    }

    public static List<DiffCase> Diffs(int repeat, int seed, Action<string> say)
    {
        var random = new Random(seed);
        var inferrer = new SchemaInferrer(new InferenceLimits());
        InferredSchema Shape(int shape)
        {
            using var document = JsonDocument.Parse(SamplePayloads.Typical(random, 30, detailed: true, shape));
            return inferrer.Infer(document.RootElement, payloadTruncated: false);
        }
        var versions = Enumerable.Range(0, SamplePayloads.Shapes).Select(Shape).ToArray();
        var cases = new List<DiffCase>();
        foreach (var (from, to) in new[] { (0, 1), (1, 2), (2, 0) })
        {
            var name = $"typical ~5 KB, shape {from + 1} → {to + 1}";
            say($"Timing diff: {name}…");
            var a = versions[from].Fields;
            var b = versions[to].Fields;
            var changes = SchemaDiff.Compare(a, b, CompatibilityMode.Backward).Count;
            var cost = CpuTiming.Measure(() => SchemaDiff.Compare(a, b, CompatibilityMode.Backward).Count, repeat);
            cases.Add(new DiffCase(name, a.Count, b.Count, changes, cost));
        }
        return cases;
    }
}
