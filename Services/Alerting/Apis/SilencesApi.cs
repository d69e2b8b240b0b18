using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>Silences: notifications of matching alerts held for a while.</summary>
public static class SilencesApi
{
    public static IEndpointRouteBuilder MapSilencesApi(this IEndpointRouteBuilder app)
    {
        var silences = app.MapGroup("/api/silences").WithTags("Alerts");
        silences.MapGet("/", ListSilences).WithName("ListSilences")
            .WithSummary("Silences in force or to come (all=true includes expired ones)");
        silences.MapPost("/", AddSilence).WithName("AddSilence")
            .WithSummary("Silences matching alerts (connector, rule and/or severity) from startsAt (default now) to endsAt: recorded, not notified")
            .WithDescription("201 with the new silence; 200 with the existing one when the same silence (same matchers, author, comment and "
                + "endsAt, not ended, with the same startsAt or, when startsAt is left out, already in force) exists: a repeated or "
                + "retried request creates no second silence.");
        silences.MapDelete("/{id:guid}", ExpireSilence).WithName("ExpireSilence")
            .WithSummary("Ends a silence now (409 when it has ended already)");
        return app;
    }

    public sealed record SilenceList(IReadOnlyList<Silence> Items);

    public static async Task<Ok<SilenceList>> ListSilences(SilenceStore silences, CancellationToken cancellationToken, bool all = false) =>
        TypedResults.Ok(new SilenceList(await silences.ListAsync(all, cancellationToken)));

    /// <summary>The body of <c>POST /api/silences</c>: at least one matcher, an end, an author and a comment.</summary>
    public sealed record SilenceRequest(
        string? Connector, string? Rule, Severity? Severity, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? Author, string? Comment);

    public static async Task<Results<Created<Silence>, Ok<Silence>, ValidationProblem>> AddSilence(
        SilenceRequest request, SilenceStore silences, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var query = new QueryParameters();
        var connector = query.Connector("connector", request.Connector);
        if (request.Rule is not null && !RuleNames.IsKnown(request.Rule))
        {
            query.Fail("rule", $"Unknown rule. Use one of: {string.Join(", ", RuleNames.All)}.");
        }
        if (request.Connector is null && request.Rule is null && request.Severity is null)
        {
            query.Fail("connector", "A silence needs at least one matcher: connector, rule or severity.");
        }
        if (request.Severity is { } severity && !Enum.IsDefined(severity))
        {
            query.Fail("severity", "Unknown severity. Use one of: info, warning, critical.");
        }
        // Any offset is the same instant; stored as UTC (PostgreSQL's timestamptz via Npgsql takes UTC only).
        var startsAt = (request.StartsAt ?? now).ToUniversalTime();
        if (request.EndsAt?.ToUniversalTime() is not { } endsAt)
        {
            query.Fail("endsAt", "endsAt is required: when the silence stops applying (ISO-8601 with an offset).");
            endsAt = default;
        }
        else if (endsAt <= startsAt || endsAt <= now)
        {
            query.Fail("endsAt", "endsAt must be after startsAt and in the future.");
        }
        else if (endsAt - startsAt > TimeSpan.FromDays(366))
        {
            query.Fail("endsAt", "A silence may last at most 366 days.");
        }
        var author = query.Text("author", request.Author ?? "", InputLimits.AuthorMaxLength);
        var comment = query.Text("comment", request.Comment ?? "", InputLimits.CommentMaxLength);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        var silence = new Silence(Guid.CreateVersion7(), connector, request.Rule, request.Severity, startsAt, endsAt, author!, comment!);
        var added = await silences.AddAsync(silence, startGiven: request.StartsAt is not null, cancellationToken);
        return added.Created ? TypedResults.Created($"/api/silences/{silence.Id}", silence) : TypedResults.Ok(added.Silence);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> ExpireSilence(Guid id, SilenceStore silences, CancellationToken cancellationToken) =>
        await silences.ExpireAsync(id, cancellationToken) switch
        {
            { Outcome: LifecycleOutcome.Done } => TypedResults.NoContent(),
            { Outcome: LifecycleOutcome.NotFound } => TypedResults.Problem(detail: $"There is no silence {id}.", statusCode: StatusCodes.Status404NotFound),
            { EndedAt: var endedAt } => TypedResults.Problem(
                title: "Silence has ended already", detail: $"Silence {id} ended at {endedAt:O}; nothing was changed.",
                statusCode: StatusCodes.Status409Conflict),
        };
}
