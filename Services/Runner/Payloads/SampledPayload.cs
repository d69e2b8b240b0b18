using System.Text.Json;

namespace ConnectorHealth.Runner.Payloads;

/// <summary>A payload as the pipeline carries it, and why (if at all) it differs from what the source sent.</summary>
public sealed record SampledPayload(JsonElement Payload, bool Truncated, long OriginalBytes, IReadOnlyList<string> Reasons);
