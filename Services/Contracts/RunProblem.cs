namespace ConnectorHealth.Contracts;

/// <summary>One way a run breaks <see cref="RunDefinition"/>: the field (as the API names it) and what is wrong.</summary>
public sealed record RunProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
