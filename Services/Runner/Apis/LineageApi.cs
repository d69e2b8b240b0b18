using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Lineage;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Apis;

/// <summary>
/// The OpenLineage door: <c>POST /api/v1/lineage</c> (one RunEvent, the path OpenLineage's HTTP transport posts to)
/// and <c>POST /api/v1/lineage/batch</c> (a list of them, answered event by event). A job is a connector, a run's
/// events are merged by its runId whatever their order, and every accepted event is stored before it is answered.
/// </summary>
public static partial class LineageApi
{
    private const int RetryAfterSeconds = 5;

    private static readonly JsonDocumentOptions BodyOptions = new() { MaxDepth = 256, AllowDuplicateProperties = false };

    public static IEndpointRouteBuilder MapLineageApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/lineage", PostEvent).WithTags("OpenLineage").WithName("PostLineageEvent")
            .WithSummary("Report an OpenLineage RunEvent (what OpenLineage's HTTP transport sends); the same event is accepted once")
            .WithDescription(
                "The job (namespace + name) is a connector, named by the connector-name rule (the original namespace and name are kept); "
                + "events of one run are merged by run.runId whatever their order. 202: stored; 200: the same event was stored before and "
                + "nothing changed; 400 names each missing or wrong field by its JSON path; 409: the runId is another run's. "
                + "The body may be gzip-compressed (Content-Encoding: gzip).")
            .Accepts<OpenLineageRunEvent>("application/json")
            .Produces<LineageReceipt>(StatusCodes.Status202Accepted)
            .Produces<LineageReceipt>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        app.MapPost("/api/v1/lineage/batch", PostBatch).WithTags("OpenLineage").WithName("PostLineageBatch")
            .WithSummary("Report a list of OpenLineage RunEvents, each answered on its own")
            .WithDescription(
                "The body is a JSON array of RunEvents (or an object whose `events` is one). Each event is judged as if sent alone: the "
                + "answer is the spec's batch response (status success or partial_success, summary, failed_events by index) and, in "
                + "`events`, each event's status (accepted, already-accepted, invalid, conflict) with its errors, in the order sent.")
            .Accepts<IReadOnlyList<OpenLineageRunEvent>>("application/json")
            .Produces<LineageBatchReceipt>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<IResult> PostEvent(
        HttpRequest request, LineageStore store, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        IOptions<RequestLimitsOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, problem) = await BodyOf(request, limits, cancellationToken);
        if (body is null)
        {
            return problem!;
        }
        using (body)
        {
            var reading = LineageEventReader.Read(body.RootElement, time.GetUtcNow(), options.Value.Lineage, options.Value.Reports);
            if (reading.TooLarge)
            {
                return TypedResults.Problem(new HttpValidationProblemDetails(reading.Errors.ToDictionary())
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Title = "Event too large",
                    Detail = "The event is over the size limit (Runner:Lineage:Event:MaxBytes).",
                });
            }
            if (reading.Event is not { } e)
            {
                return TypedResults.ValidationProblem(reading.Errors.ToDictionary(), title: "The OpenLineage event is not valid");
            }
            LineageOutcome outcome;
            try
            {
                outcome = (await StoreAsync(store, buffer, time, [e], cancellationToken))[0];
            }
            catch (Exception ex) when (TransientFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogNotStored(loggers.CreateLogger(typeof(LineageApi)), ex, 1);
                return Unavailable(request.HttpContext);
            }
            return outcome.Kind switch
            {
                LineageOutcomeKind.Accepted => TypedResults.Accepted(e.Kind == LineageEventKind.Run ? $"/api/runs/{e.RunId}" : null, Receipt(e, "accepted")),
                LineageOutcomeKind.AlreadyAccepted => TypedResults.Ok(Receipt(e, "already-accepted")),
                LineageOutcomeKind.Conflict => TypedResults.Problem(title: "Run id already taken", detail: outcome.Detail, statusCode: StatusCodes.Status409Conflict),
                _ => TypedResults.ValidationProblem(outcome.Errors!.ToDictionary(), detail: outcome.Detail, title: "The OpenLineage event is not valid"),
            };
        }
    }

    public static async Task<IResult> PostBatch(
        HttpRequest request, LineageStore store, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        IOptions<RequestLimitsOptions> limits, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (body, problem) = await BodyOf(request, limits, cancellationToken);
        if (body is null)
        {
            return problem!;
        }
        using (body)
        {
            var list = body.RootElement;
            if (list.ValueKind == JsonValueKind.Object && list.TryGetProperty("events", out var wrapped))
            {
                list = wrapped;
            }
            if (list.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["$"] = ["The body is a JSON array of OpenLineage RunEvents (or an object with an `events` array)."] },
                    title: "The OpenLineage batch is not valid");
            }
            var limit = options.Value.Lineage.MaxBatch;
            if (list.GetArrayLength() > limit)
            {
                return TypedResults.Problem(
                    title: "Batch too large", detail: $"At most {limit:N0} events in one batch (got {list.GetArrayLength():N0}); send them in several.",
                    statusCode: StatusCodes.Status413PayloadTooLarge);
            }
            var now = time.GetUtcNow();
            var results = new LineageEventResult[list.GetArrayLength()];
            var valid = new List<(int Index, LineageEvent Event)>();
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var reading = LineageEventReader.Read(element, now, options.Value.Lineage, options.Value.Reports);
                if (reading.Event is { } e)
                {
                    valid.Add((index, e));
                }
                else
                {
                    results[index] = new LineageEventResult(index, RunIdOf(element), "invalid", reading.TooLarge ? 413 : 400,
                        reading.TooLarge ? "The event is over the size limit." : "The event is not valid.", reading.Errors.ToDictionary());
                }
                index++;
            }
            if (valid.Count > 0)
            {
                LineageOutcome[] outcomes;
                try
                {
                    outcomes = await StoreAsync(store, buffer, time, [.. valid.Select(v => v.Event)], cancellationToken);
                }
                catch (Exception ex) when (TransientFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
                {
                    LogNotStored(loggers.CreateLogger(typeof(LineageApi)), ex, valid.Count);
                    return Unavailable(request.HttpContext);
                }
                for (var i = 0; i < valid.Count; i++)
                {
                    var (at, e) = valid[i];
                    results[at] = outcomes[i].Kind switch
                    {
                        LineageOutcomeKind.Accepted => new LineageEventResult(at, RunIdOf(e), "accepted", 202, null, null, ConnectorOf(e)),
                        LineageOutcomeKind.AlreadyAccepted => new LineageEventResult(at, RunIdOf(e), "already-accepted", 200, null, null, ConnectorOf(e)),
                        LineageOutcomeKind.Conflict => new LineageEventResult(at, e.RunId, "conflict", 409, outcomes[i].Detail, null, e.Connector),
                        _ => new LineageEventResult(at, e.RunId, "invalid", 400, outcomes[i].Detail, outcomes[i].Errors!.ToDictionary(), e.Connector),
                    };
                }
            }
            var failed = results.Where(r => r.Status is "invalid" or "conflict").ToList();
            return TypedResults.Ok(new LineageBatchReceipt(
                failed.Count == 0 ? "success" : "partial_success",
                new LineageBatchSummary(results.Length, results.Length - failed.Count, failed.Count, 0, failed.Count),
                [.. failed.Select(r => new LineageFailedEvent(r.Index, r.Detail ?? r.Status, Retriable: false))],
                results));
        }
    }

    private static async Task<LineageOutcome[]> StoreAsync(
        LineageStore store, RunBuffer buffer, TimeProvider time, IReadOnlyList<LineageEvent> events, CancellationToken cancellationToken)
    {
        var (outcomes, completed) = await store.StoreAsync(events, cancellationToken);
        foreach (var run in completed)
        {
            // Stored as pending: if the buffer is full, the sweep of pending runs publishes it.
            buffer.TryEnqueueStored(new PendingRun(run, System.Diagnostics.Activity.Current?.Id, Stored: true, time.GetUtcNow()));
        }
        return outcomes;
    }

    /// <summary>
    /// The body as JSON, or null when it is not (malformed, too deep, a property twice). The size limit is counted on the
    /// body as unpacked, whatever the server in front enforces, so a small gzip body cannot unpack into gigabytes.
    /// </summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(81_920);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new BodyTooLargeException();
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException)
        {
            // Not the encoding it claims (a broken gzip stream).
            return null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), BodyOptions);
        }
        catch (JsonException ex)
        {
            throw new UnreadableBodyException(ex);
        }
    }

    /// <summary>A body that is not JSON this door reads, with where it went wrong (a property given twice is named).</summary>
    private sealed partial class UnreadableBodyException(JsonException inner) : Exception(inner.Message, inner)
    {
        public string Field
        {
            get
            {
                var path = inner.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : "";
                return inner.Message.Contains("uplicat", StringComparison.Ordinal) && Quoted().Match(inner.Message) is { Success: true } duplicate
                    ? (path.Length > 0 ? path + "." : "") + duplicate.Groups[1].Value
                    : path.Length > 0 ? path : "$";
            }
        }

        [System.Text.RegularExpressions.GeneratedRegex("'([^']*)'")]
        private static partial System.Text.RegularExpressions.Regex Quoted();
    }

    private sealed class BodyTooLargeException : Exception;

    /// <summary>Reads the body, or the answer that says why it cannot be read.</summary>
    private static async Task<(JsonDocument? Body, IResult? Problem)> BodyOf(HttpRequest request, IOptions<RequestLimitsOptions> limits, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadBodyAsync(request, limits.Value.MaxBodyBytes, cancellationToken) is { } body ? (body, null) : (null, BodyProblem());
        }
        catch (UnreadableBodyException unreadable)
        {
            return (null, TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { [unreadable.Field] = [$"The body is not JSON that can be read: {unreadable.Message}"] },
                title: "The OpenLineage event is not valid"));
        }
        catch (BodyTooLargeException)
        {
            return (null, TypedResults.Problem(
                title: "Request body too large",
                detail: $"The body, unpacked, is over {limits.Value.MaxBodyBytes:N0} bytes (RequestLimits:MaxBodyBytes).",
                statusCode: StatusCodes.Status413PayloadTooLarge));
        }
    }

    private static ValidationProblem BodyProblem() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["$"] = ["The body is not JSON that can be read: malformed, nested more than 256 levels, a property given twice, or compressed with an encoding other than gzip, deflate or br."] },
        title: "The OpenLineage event is not valid");

    private static ProblemHttpResult Unavailable(HttpContext http)
    {
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "OpenLineage events cannot be stored right now",
            detail: $"The runner's database is unavailable; nothing was stored. Retry in {RetryAfterSeconds} s.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static LineageReceipt Receipt(LineageEvent e, string status) => e.Kind == LineageEventKind.Run
        ? new(e.RunId, status, EnumNames.Name(e.Type), e.Connector, e.JobNamespace, e.JobName)
        : new(null, status, e.Kind == LineageEventKind.Dataset ? "dataset_event" : "job_event", null, e.JobNamespace, e.JobName);

    private static Guid? RunIdOf(LineageEvent e) => e.Kind == LineageEventKind.Run ? e.RunId : null;

    private static string? ConnectorOf(LineageEvent e) => e.Kind == LineageEventKind.Run ? e.Connector : null;

    private static Guid? RunIdOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("run", out var run) && run.ValueKind == JsonValueKind.Object
        && run.TryGetProperty("runId", out var id) && id.ValueKind == JsonValueKind.String && Guid.TryParse(id.GetString(), out var guid)
            ? guid
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} OpenLineage events could not be stored; answered 503")]
    private static partial void LogNotStored(ILogger logger, Exception exception, int count);
}

/// <summary>What became of one OpenLineage event: stored (<c>accepted</c>) or stored before (<c>already-accepted</c>).</summary>
/// <param name="Connector">The job's connector name, under which its runs are listed.</param>
/// <param name="EventType">The run event's type (<c>start</c>, <c>complete</c>, …), or <c>dataset_event</c> / <c>job_event</c> for the spec's static events, which are kept but make no run.</param>
/// <param name="JobNamespace">The job's (or, for a dataset event, the dataset's) namespace as sent.</param>
public sealed record LineageReceipt(Guid? RunId, string Status, string EventType, string? Connector, string JobNamespace, string JobName);

/// <summary>
/// The answer to a batch, as the OpenLineage spec's batch response has it (<c>status</c>, <c>summary</c>,
/// <c>failed_events</c>), with each event's result in the order sent (<c>events</c>).
/// </summary>
/// <param name="Status"><c>success</c> when every event is stored (now or before), else <c>partial_success</c>.</param>
public sealed record LineageBatchReceipt(
    string Status,
    LineageBatchSummary Summary,
    [property: System.Text.Json.Serialization.JsonPropertyName("failed_events")] IReadOnlyList<LineageFailedEvent> FailedEvents,
    IReadOnlyList<LineageEventResult> Events);

/// <param name="Successful">Events stored, now or before.</param>
public sealed record LineageBatchSummary(
    int Received,
    int Successful,
    int Failed,
    int Retriable,
    [property: System.Text.Json.Serialization.JsonPropertyName("non_retriable")] int NonRetriable);

/// <param name="Retriable">Whether sending it again could succeed (never, for an event refused for what it says).</param>
public sealed record LineageFailedEvent(int Index, string Reason, bool Retriable);

/// <param name="Index">The event's place in the batch (0 first).</param>
/// <param name="Status"><c>accepted</c>, <c>already-accepted</c>, <c>invalid</c> or <c>conflict</c>.</param>
/// <param name="Code">The status code the event would have had alone.</param>
public sealed record LineageEventResult(
    int Index,
    Guid? RunId,
    string Status,
    int Code,
    string? Detail = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    string? Connector = null);

/// <summary>
/// An OpenLineage <c>RunEvent</c> as the spec (2-0-2) defines it, for the API document; the door reads the body itself,
/// so facets of any kind are kept. Required: <c>eventTime</c>, <c>producer</c>, <c>schemaURL</c>, <c>run.runId</c>,
/// <c>job.namespace</c>, <c>job.name</c>; every facet has <c>_producer</c> and <c>_schemaURL</c>. Members the spec does not
/// define are allowed (its schema does not forbid them) and kept with the event, so the document says so.
/// </summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip)]
public sealed record OpenLineageRunEvent(
    [property: System.ComponentModel.DataAnnotations.Required] string EventTime,
    [property: System.ComponentModel.DataAnnotations.Required] string Producer,
    [property: System.ComponentModel.DataAnnotations.Required, System.Text.Json.Serialization.JsonPropertyName("schemaURL")] string SchemaUrl,
    [property: System.ComponentModel.DataAnnotations.Required] OpenLineageRun Run,
    [property: System.ComponentModel.DataAnnotations.Required] OpenLineageJob Job,
    string? EventType = null,
    IReadOnlyList<OpenLineageDataset>? Inputs = null,
    IReadOnlyList<OpenLineageDataset>? Outputs = null);

/// <param name="RunId">A UUID (v7 recommended) that all events of the run share.</param>
/// <param name="Facets">Run facets by name: errorMessage, nominalTime, parent, airflow, … (each with _producer and _schemaURL).</param>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip)]
public sealed record OpenLineageRun([property: System.ComponentModel.DataAnnotations.Required] Guid RunId, IReadOnlyDictionary<string, JsonElement>? Facets = null);

/// <param name="Facets">Job facets by name: jobType, ownership, sql, …</param>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip)]
public sealed record OpenLineageJob(
    [property: System.ComponentModel.DataAnnotations.Required] string Namespace,
    [property: System.ComponentModel.DataAnnotations.Required] string Name,
    IReadOnlyDictionary<string, JsonElement>? Facets = null);

/// <param name="Facets">Dataset facets by name: schema, dataQualityAssertions, …</param>
/// <param name="InputFacets">An input's facets: dataQualityMetrics, …</param>
/// <param name="OutputFacets">An output's facets: outputStatistics, …</param>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip)]
public sealed record OpenLineageDataset(
    [property: System.ComponentModel.DataAnnotations.Required] string Namespace,
    [property: System.ComponentModel.DataAnnotations.Required] string Name,
    IReadOnlyDictionary<string, JsonElement>? Facets = null,
    IReadOnlyDictionary<string, JsonElement>? InputFacets = null,
    IReadOnlyDictionary<string, JsonElement>? OutputFacets = null);
