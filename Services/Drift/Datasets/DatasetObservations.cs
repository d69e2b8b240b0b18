using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.Schemas;

namespace ConnectorHealth.Drift.Datasets;

/// <summary>
/// What a run's lineage says of its datasets' schemas, as observations the drift processor versions like payloads. Each
/// dataset with a schema facet (inputs and outputs; null schema: nothing observed) is one observation whose subject is
/// the dataset's key, at the run's time (a completed run's FinishedAt, a run in progress's UpdatedAt). The observation is
/// carried as a run of that subject, so the one pipeline keeps it: its payload is a sample row of the schema (what a
/// dataset contract checks) and its lineage holds that dataset alone (what a replay from quarantine reads back).
/// </summary>
internal static class DatasetObservations
{
    public static IEnumerable<ObservedRun> Of(RunCompleted run, InferenceLimits limits) =>
        run.Lineage is { } lineage ? Observe(run, lineage, limits) : [];

    public static IEnumerable<ObservedRun> Of(RunInProgress progress, InferenceLimits limits) => Observe(new RunCompleted
    {
        RunId = progress.RunId,
        Connector = progress.Connector,
        Source = progress.Source,
        StartedAt = progress.StartedAt,
        FinishedAt = progress.UpdatedAt,
        Status = RunStatus.Succeeded,
        LatencyMs = 0,
        Owner = progress.Owner,
        Tags = progress.Tags,
    }, progress.Lineage, limits);

    /// <summary>An observation read back from quarantine (a run whose connector is a dataset key and whose lineage holds it).</summary>
    public static ObservedRun? Restore(RunCompleted held, InferenceLimits limits) =>
        held.Lineage is { Outputs: [{ Schema: { } fields } dataset] } lineage
            ? new ObservedRun(held, DatasetSchemas.FromFacet(fields, limits.MaxPathLength), Subject(dataset, lineage))
            : null;

    private static IEnumerable<ObservedRun> Observe(RunCompleted run, RunLineage lineage, InferenceLimits limits)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dataset in lineage.Outputs.Concat(lineage.Inputs))
        {
            if (dataset.Schema is not { } fields || !seen.Add(dataset.Key))
            {
                continue;
            }
            var observation = run with
            {
                Connector = dataset.Key,
                Attempts = [],
                Payload = JsonSerializer.SerializeToElement(DatasetSchemas.SampleRow(fields)),
                PayloadTruncated = false,
                PayloadBytes = 0,
                PayloadTruncationReasons = [],
                Lineage = lineage with { Inputs = [], Outputs = [dataset] },
            };
            yield return new ObservedRun(observation, DatasetSchemas.FromFacet(fields, limits.MaxPathLength), Subject(dataset, lineage));
        }
    }

    private static DatasetSubject Subject(LineageDataset dataset, RunLineage lineage) =>
        new(dataset.Key, dataset.Namespace, dataset.Name, LineageNames.Connector(lineage.JobNamespace, lineage.JobName));
}

/// <summary>A dataset whose schema a run showed: its key and names, and the job (a connector) of that run.</summary>
internal sealed record DatasetSubject(string Key, string Namespace, string Name, string Job);
