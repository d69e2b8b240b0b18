using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.Apis.Store;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ConnectorHealth.Drift.Apis;

/// <summary>
/// OpenLineage datasets' schema histories, by the dataset's key (<see cref="LineageNames.Dataset"/>): versions from their
/// schema facets, diffs, compatibility modes. Their drift events are in <c>/api/drift-events</c> (filter <c>dataset</c>);
/// their contracts at <c>/api/contracts/{key}</c>.
/// </summary>
public static class DatasetsApi
{
    public static IEndpointRouteBuilder MapDatasetsApi(this IEndpointRouteBuilder app)
    {
        var datasets = app.MapGroup("/api/datasets").WithTags("Datasets");
        datasets.MapGet("/", ListDatasets).WithName("ListDatasets")
            .WithSummary("Every OpenLineage dataset with a schema history: key, namespace, name, current version, field count, last seen, last job");
        datasets.MapGet("/{key}", GetDataset).WithName("GetDataset")
            .WithSummary("A dataset's schema history: every version, the fields of the current one, the latest change");
        datasets.MapGet("/{key}/versions/{version}", GetDatasetVersion).WithName("GetDatasetVersion")
            .WithSummary("One version of a dataset's schema with its fields (JSON path, types, the declared type's detail)");
        datasets.MapGet("/{key}/diff", DiffDatasetVersions).WithName("DiffDatasetVersions")
            .WithSummary("The classified changes between two versions of a dataset's schema, judged under its compatibility mode")
            .WithDescription("to defaults to the current version, from to the version before it; mode (backward|forward|full|none) "
                + "overrides the dataset's mode for this answer only.");
        datasets.MapPut("/{key}/compatibility", SetDatasetCompatibility).WithName("SetDatasetCompatibility")
            .WithSummary("Sets the dataset's compatibility mode (backward, forward, full, none), which decides what is breaking");
        return app;
    }

    public static async Task<Ok<DatasetList>> ListDatasets(DatasetStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListAsync(cancellationToken));

    public static async Task<Results<Ok<DatasetSchema>, ProblemHttpResult, ValidationProblem>> GetDataset(
        string key, DatasetStore datasets, SchemaHistoryStore history, CancellationToken cancellationToken)
    {
        if (SchemasApi.DatasetProblem(key) is { } problem)
        {
            return problem;
        }
        if (await datasets.FindAsync(key, cancellationToken) is not { } dataset
            || await history.GetSchemaAsync(key, cancellationToken) is not { } schema)
        {
            return UnknownDataset(key);
        }
        var current = schema.CurrentVersion is { } version ? await history.GetVersionAsync(key, version, cancellationToken) : null;
        return TypedResults.Ok(new DatasetSchema(
            key, dataset.Namespace, dataset.Name, dataset.LastJob, dataset.LastRunId, dataset.LastSeen, schema.Compatibility,
            schema.CurrentVersion, schema.CurrentSince, current?.Fields ?? [], schema.Versions, schema.LatestChange));
    }

    public static async Task<Results<Ok<DatasetVersion>, ProblemHttpResult, ValidationProblem>> GetDatasetVersion(
        string key, [ParsedAs(typeof(int))] string version, SchemaHistoryStore history, CancellationToken cancellationToken)
    {
        var query = new QueryParameters();
        var number = query.Int("version", version, 1, int.MaxValue);
        if (SchemasApi.DatasetProblem(key) is { } problem)
        {
            return problem;
        }
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return await history.GetVersionAsync(key, number!.Value, cancellationToken) is { } found
            ? TypedResults.Ok(new DatasetVersion(key, found.Version, found.Fingerprint, found.Fields, found.TopLevelKeys, found.FirstSeen,
                found.LastSeen, found.RunCount, found.Current))
            : SchemasApi.NotFound($"Dataset {key} has no schema version {number}.");
    }

    public static async Task<Results<Ok<DatasetDiffReport>, ProblemHttpResult, ValidationProblem>> DiffDatasetVersions(
        string key,
        SchemaHistoryStore history,
        VersionFieldsCache fields,
        NpgsqlDataSource dataSource,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(int)), Range(1, int.MaxValue)] string? from = null,
        [ParsedAs(typeof(int)), Range(1, int.MaxValue)] string? to = null,
        [AllowedValues("backward", "forward", "full", "none")] string? mode = null)
    {
        if (SchemasApi.DatasetProblem(key) is { } problem)
        {
            return problem;
        }
        var query = new QueryParameters();
        var fromVersion = query.Int("from", from, 1, int.MaxValue);
        var toVersion = query.Int("to", to, 1, int.MaxValue);
        CompatibilityMode? asked = null;
        if (mode is not null)
        {
            if (EnumNames.TryParse<CompatibilityMode>(mode, out var parsed))
            {
                asked = parsed;
            }
            else
            {
                query.Fail("mode", $"Unknown mode. Use one of: {EnumNames.List<CompatibilityMode>()}.");
            }
        }
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        if (await history.GetSchemaAsync(key, cancellationToken) is not { } schema)
        {
            return UnknownDataset(key);
        }
        toVersion ??= schema.CurrentVersion;
        fromVersion ??= toVersion is { } target ? await history.PreviousVersionAsync(key, target, cancellationToken) : null;
        if (toVersion is null || fromVersion is null)
        {
            return SchemasApi.NotFound($"Dataset {key} has no earlier version to compare with; name both from and to.");
        }
        var known = schema.Versions.Select(v => v.Version).ToHashSet();
        foreach (var (name, number) in new[] { ("from", fromVersion.Value), ("to", toVersion.Value) })
        {
            if (!known.Contains(number))
            {
                return SchemasApi.NotFound($"Dataset {key} has no schema version {number} ({name}).");
            }
        }
        IReadOnlyDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> loaded;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            loaded = await fields.LoadAsync(connection, null, [(key, fromVersion.Value), (key, toVersion.Value)], cancellationToken);
        }
        var compatibility = asked ?? schema.Compatibility;
        var changes = SchemaDiff.Compare(loaded[(key, fromVersion.Value)], loaded[(key, toVersion.Value)], compatibility);
        return TypedResults.Ok(new DatasetDiffReport(key, fromVersion.Value, toVersion.Value, compatibility, SchemaDiff.IsBreaking(changes), changes));
    }

    public static async Task<Results<Ok<DatasetCompatibility>, ValidationProblem>> SetDatasetCompatibility(
        string key, CompatibilityRequest request, SchemaHistoryStore history, CancellationToken cancellationToken)
    {
        if (SchemasApi.DatasetProblem(key) is { } problem)
        {
            return problem;
        }
        if (request.Mode is not { } mode || !Enum.IsDefined(mode))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["mode"] = [$"mode is required: one of {EnumNames.List<CompatibilityMode>()}."],
            });
        }
        await history.SetCompatibilityAsync(key, mode, cancellationToken);
        return TypedResults.Ok(new DatasetCompatibility(key, mode));
    }

    private static ProblemHttpResult UnknownDataset(string key) =>
        SchemasApi.NotFound($"No schema history for dataset {key}: no run has shown its schema facet.");
}
