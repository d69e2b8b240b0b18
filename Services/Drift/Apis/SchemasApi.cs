using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.Apis.Store;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Drift.Apis;

/// <summary>Schema history, diffs, compatibility modes and drift events.</summary>
public static class SchemasApi
{

    public static IEndpointRouteBuilder MapSchemasApi(this IEndpointRouteBuilder app)
    {
        var schemas = app.MapGroup("/api/schemas").WithTags("Schemas");
        schemas.MapGet("/", ListSchemas).WithName("ListSchemas")
            .WithSummary("Every connector with a schema history: current version, number of versions, compatibility mode, contract");
        schemas.MapGet("/{connector}", GetSchema).WithName("GetSchema")
            .WithSummary("A connector's schema history: every version, the latest change, and any ongoing oscillation");
        schemas.MapGet("/{connector}/versions/{version}", GetVersion).WithName("GetSchemaVersion")
            .WithSummary("One schema version with its fields (JSON path, types, nullable, optional)");
        schemas.MapGet("/{connector}/runs/{runId:guid}", GetRun).WithName("GetRunSchema")
            .WithSummary("One run as drift recorded it: outcome (versioned, quarantined, no_payload), its schema version, and that version's sample payload")
            .WithDescription("The sample is the payload of the run that first showed the version (firstOfVersion says whether that is this run), "
                + "cut at Drift:VersionSampleChars characters (cut = true).");
        schemas.MapGet("/{connector}/diff", Diff).WithName("DiffSchemaVersions")
            .WithSummary("The classified changes between two versions, judged under the connector's compatibility mode")
            .WithDescription("to defaults to the current version, from to the version before it; mode (backward|forward|full|none) "
                + "overrides the connector's mode for this answer only.");
        schemas.MapPut("/{connector}/compatibility", SetCompatibility).WithName("SetCompatibility")
            .WithSummary("Sets the connector's compatibility mode (backward, forward, full, none), which decides what is breaking");

        app.MapGet("/api/drift-events", ListEvents).WithTags("Schemas").WithName("ListDriftEvents")
            .WithSummary("Drift events, newest first (by the run's finish time), with an opaque cursor for the next page")
            .WithDescription("Filters: connector (a connector's own events and those of the datasets its runs showed); dataset (a dataset's key); from (inclusive) and to (exclusive) on the run's finish time as ISO-8601 UTC times "
                + "or dates; " + Paging.Description);
        return app;
    }

    public static async Task<Ok<SchemaList>> ListSchemas(SchemaHistoryStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.ListSchemasAsync(cancellationToken));

    public static async Task<Results<Ok<ConnectorSchema>, ProblemHttpResult, ValidationProblem>> GetSchema(
        string connector, SchemaHistoryStore store, CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
        {
            return problem;
        }
        return await store.GetSchemaAsync(connector, cancellationToken) is { } schema
            ? TypedResults.Ok(schema)
            : UnknownConnector(connector);
    }

    public static async Task<Results<Ok<SchemaVersion>, ProblemHttpResult, ValidationProblem>> GetVersion(
        string connector, [ParsedAs(typeof(int))] string version, SchemaHistoryStore store, CancellationToken cancellationToken)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
        var number = query.Int("version", version, 1, int.MaxValue);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return await store.GetVersionAsync(connector, number!.Value, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : NotFound($"Connector {connector} has no schema version {number}.");
    }

    public static async Task<Results<Ok<RunSchema>, ProblemHttpResult, ValidationProblem>> GetRun(
        string connector, Guid runId, SchemaHistoryStore store, CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
        {
            return problem;
        }
        return await store.GetRunAsync(connector, runId, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : NotFound($"Drift has not recorded run {runId} of connector {connector}.");
    }

    public static async Task<Results<Ok<SchemaDiffReport>, ProblemHttpResult, ValidationProblem>> Diff(
        string connector,
        SchemaHistoryStore store,
        VersionFieldsCache fields,
        Npgsql.NpgsqlDataSource dataSource,
        CancellationToken cancellationToken,
        [ParsedAs(typeof(int)), Range(1, int.MaxValue)] string? from = null,
        [ParsedAs(typeof(int)), Range(1, int.MaxValue)] string? to = null,
        [AllowedValues("backward", "forward", "full", "none")] string? mode = null)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
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

        var schema = await store.GetSchemaAsync(connector, cancellationToken);
        if (schema is null)
        {
            return UnknownConnector(connector);
        }
        toVersion ??= schema.CurrentVersion;
        fromVersion ??= toVersion is { } target ? await store.PreviousVersionAsync(connector, target, cancellationToken) : null;
        if (toVersion is null || fromVersion is null)
        {
            return NotFound($"Connector {connector} has no earlier version to compare with; name both from and to.");
        }
        var known = schema.Versions.Select(v => v.Version).ToHashSet();
        foreach (var (name, number) in new[] { ("from", fromVersion.Value), ("to", toVersion.Value) })
        {
            if (!known.Contains(number))
            {
                return NotFound($"Connector {connector} has no schema version {number} ({name}).");
            }
        }

        IReadOnlyDictionary<(string Connector, int Version), IReadOnlyList<FieldSchema>> loaded;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            loaded = await fields.LoadAsync(connection, null, [(connector, fromVersion.Value), (connector, toVersion.Value)], cancellationToken);
        }
        var compatibility = asked ?? schema.Compatibility;
        var changes = SchemaDiff.Compare(loaded[(connector, fromVersion.Value)], loaded[(connector, toVersion.Value)], compatibility);
        return TypedResults.Ok(new SchemaDiffReport(
            connector, fromVersion.Value, toVersion.Value, compatibility, SchemaDiff.IsBreaking(changes), changes));
    }

    /// <summary>The body of <c>PUT /api/schemas/{connector}/compatibility</c>.</summary>
    public static async Task<Results<Ok<CompatibilitySetting>, ValidationProblem>> SetCompatibility(
        string connector, CompatibilityRequest request, SchemaHistoryStore store, CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
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
        await store.SetCompatibilityAsync(connector, mode, cancellationToken);
        return TypedResults.Ok(new CompatibilitySetting(connector, mode));
    }

    public static async Task<Results<Ok<DriftEventPage>, ValidationProblem>> ListEvents(
        SchemaHistoryStore store,
        CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [ParsedAs(typeof(DateTimeOffset), typeof(DateOnly))] string? from = null,
        [ParsedAs(typeof(DateTimeOffset), typeof(DateOnly))] string? to = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? dataset = null)
    {
        var query = new QueryParameters();
        connector = query.Connector("connector", connector);
        if (dataset is not null && !LineageNames.IsDatasetKey(dataset))
        {
            query.Fail("dataset", "dataset must be a dataset key (a namespace and a name joined by '~').");
        }
        var start = query.Instant("from", from);
        var end = query.Instant("to", to);
        if (start > end)
        {
            query.Fail("from", "from must not be after to.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(await store.ListEventsAsync(connector, start, end, pageSize, after, cancellationToken, dataset));
    }

    internal static ValidationProblem? ConnectorProblem(string connector)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
        return query.HasErrors ? TypedResults.ValidationProblem(query.Errors) : null;
    }

    /// <summary>A contract's subject: a connector's name, or a dataset's key (<see cref="LineageNames.IsDatasetKey"/>).</summary>
    internal static ValidationProblem? SubjectProblem(string subject)
    {
        var query = new QueryParameters();
        Subject(query, "connector", subject);
        return query.HasErrors ? TypedResults.ValidationProblem(query.Errors) : null;
    }

    internal static string? Subject(QueryParameters query, string name, string? text) =>
        text is null || LineageNames.IsDatasetKey(text) ? text : query.Connector(name, text);

    internal static ValidationProblem? DatasetProblem(string key)
    {
        if (LineageNames.IsDatasetKey(key))
        {
            return null;
        }
        return TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["key"] = ["key must be a dataset key: a dataset's namespace and name joined by '~' as the runner derives them (e.g. postgres_db_5432~public.orders)."],
        });
    }

    internal static ProblemHttpResult UnknownConnector(string connector) =>
        NotFound($"No schema history for connector {connector}: no run with a payload has been seen.");

    internal static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound);
}
