namespace ConnectorHealth.Contracts;

/// <summary>
/// A message whose run breaks <see cref="RunDefinition"/>: a property of the message itself, so it is set aside with
/// this reason (and can be re-driven once fixed) instead of being retried or stored altered.
/// </summary>
public sealed class InvalidRunException(Guid runId, IReadOnlyList<RunProblem> problems)
    : Exception($"Run {runId} cannot be stored as it is: {string.Join("; ", problems)}")
{
    public IReadOnlyList<RunProblem> Problems { get; } = problems;

    /// <summary>The canonical form of <paramref name="run"/>, or throws when no store could keep it unchanged.</summary>
    public static RunCompleted ThrowIfInvalid(RunCompleted run)
    {
        var canonical = RunDefinition.Canonical(run);
        var problems = RunDefinition.Problems(canonical);
        return problems.Count == 0 ? canonical : throw new InvalidRunException(run.RunId, problems);
    }
}
