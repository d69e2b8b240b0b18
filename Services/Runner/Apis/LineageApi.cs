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
            .Accepts<JsonElement>("application/json")
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
                + "answer lists, in the same order, each event's status (accepted, already-accepted, invalid, conflict) with its errors. "
                + "200 when every event is stored (or was before), 207 when some are not.")
            .Accepts<JsonElement>("application/json")
            .Produces<LineageBatchReceipt>(StatusCodes.Status200OK)
            .Produces<LineageBatchReceipt>(StatusCodes.Status207MultiStatus)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static async Task<IResult> PostEvent(
        HttpRequest request, LineageStore store, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(request, cancellationToken) is not { } body)
        {
            return BodyProblem();
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
                LineageOutcomeKind.Accepted => TypedResults.Accepted($"/api/runs/{e.RunId}", Receipt(e, "accepted")),
                LineageOutcomeKind.AlreadyAccepted => TypedResults.Ok(Receipt(e, "already-accepted")),
                LineageOutcomeKind.Conflict => TypedResults.Problem(title: "Run id already taken", detail: outcome.Detail, statusCode: StatusCodes.Status409Conflict),
                _ => TypedResults.ValidationProblem(outcome.Errors!.ToDictionary(), detail: outcome.Detail, title: "The OpenLineage event is not valid"),
            };
        }
    }

    public static async Task<IResult> PostBatch(
        HttpRequest request, LineageStore store, RunBuffer buffer, TimeProvider time, IOptions<RunnerOptions> options,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await ReadBodyAsync(request, cancellationToken) is not { } body)
        {
            return BodyProblem();
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
                        LineageOutcomeKind.Accepted => new LineageEventResult(at, e.RunId, "accepted", 202, null, null, e.Connector),
                        LineageOutcomeKind.AlreadyAccepted => new LineageEventResult(at, e.RunId, "already-accepted", 200, null, null, e.Connector),
                        LineageOutcomeKind.Conflict => new LineageEventResult(at, e.RunId, "conflict", 409, outcomes[i].Detail, null, e.Connector),
                        _ => new LineageEventResult(at, e.RunId, "invalid", 400, outcomes[i].Detail, outcomes[i].Errors!.ToDictionary(), e.Connector),
                    };
                }
            }
            var receipt = new LineageBatchReceipt(
                results.Count(r => r.Status == "accepted"), results.Count(r => r.Status == "already-accepted"),
                results.Count(r => r.Status is "invalid" or "conflict"), results);
            return receipt.Failed == 0 ? TypedResults.Ok(receipt) : TypedResults.Json(receipt, statusCode: StatusCodes.Status207MultiStatus);
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

    /// <summary>The body as JSON, or null when it is not (malformed, too deep, a property twice).</summary>
    private static async Task<JsonDocument?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonDocument.ParseAsync(request.Body, BodyOptions, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
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

    private static LineageReceipt Receipt(LineageEvent e, string status) =>
        new(e.RunId, status, EnumNames.Name(e.Type), e.Connector, e.JobNamespace, e.JobName);

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
public sealed record LineageReceipt(Guid RunId, string Status, string EventType, string Connector, string JobNamespace, string JobName);

/// <summary>The answer to a batch: counts, and each event's result in the order sent.</summary>
public sealed record LineageBatchReceipt(int Accepted, int AlreadyAccepted, int Failed, IReadOnlyList<LineageEventResult> Events);

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
