namespace ConnectorHealth.Runner.Payloads;

/// <summary>One way a payload breaks a limit, at the first place it does (<c>payload.items[3].name</c>).</summary>
public sealed record PayloadFinding(PayloadLimit Limit, string Path, string Message);

/// <summary>A payload's size (compact UTF-8 JSON) and what in it breaks a limit.</summary>
public sealed record PayloadInspection(long Bytes, IReadOnlyList<PayloadFinding> Findings);
