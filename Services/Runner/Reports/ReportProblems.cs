namespace ConnectorHealth.Runner.Reports;

/// <summary>What is wrong with a report, by field (<c>attempts[2].durationMs</c>, <c>payload.items[3].name</c>).</summary>
/// <param name="TooLarge">The payload is over the byte limit: answered 413 rather than 400.</param>
/// <param name="PayloadBytes">The payload's size as compact UTF-8 JSON, measured once here.</param>
public sealed record ReportProblems(Dictionary<string, string[]> Errors, bool TooLarge, long PayloadBytes)
{
    public bool IsValid => Errors.Count == 0;
}
