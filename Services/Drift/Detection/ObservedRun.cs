using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Datasets;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// A run with its schema (inferred from its payload, or declared by a dataset's schema facet; null without either) and
/// what the batch decided for it. <see cref="Run"/>'s connector is the history's subject: a connector, or for a
/// <see cref="Dataset"/> observation the dataset's key.
/// </summary>
internal sealed class ObservedRun(RunCompleted run, InferredSchema? schema, DatasetSubject? dataset = null)
{
    public RunCompleted Run { get; } = run;
    public InferredSchema? Schema { get; } = schema;
    public DatasetSubject? Dataset { get; } = dataset;
    public IReadOnlyList<string> Violations { get; set; } = [];
    public int? Version { get; set; }
}
