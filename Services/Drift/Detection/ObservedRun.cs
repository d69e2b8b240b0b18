using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.Detection;

/// <summary>A run with its inferred schema (null without a payload) and what the batch decided for it.</summary>
internal sealed class ObservedRun(RunCompleted run, InferredSchema? schema)
{
    public RunCompleted Run { get; } = run;
    public InferredSchema? Schema { get; } = schema;
    public IReadOnlyList<string> Violations { get; set; } = [];
    public int? Version { get; set; }
}
