using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>Alerts and their lifecycle, silences, and notification channels.</summary>
public static class AlertsApi
{
    private const int ConnectorMaxLength = 200;
    private const int AuthorMaxLength = 200;
    private const int CommentMaxLength = 2000;

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Alerts");
        alerts.MapGet("/", List).WithName("ListAlerts")
            .WithSummary("Alerts, newest first, each with its occurrence count, what to do next and its lifecycle")
            .WithDescription($"Filters: state (firing|acknowledged|resolved), connector, rule ({string.Join("|", RuleNames.All)}), "
                + $"severity (info|warning|critical); " + Paging.Description);
        alerts.MapGet("/{id:long}", Get).WithName("GetAlert").WithSummary("One alert with its occurrences and notifications");
        alerts.MapPost("/{id:long}/ack", Acknowledge).WithName("AcknowledgeAlert")
            .WithSummary("Acknowledges a firing alert: it stays open but is no longer notified again (409 when acknowledged or resolved already)");
        alerts.MapPost("/{id:long}/resolve", Resolve).WithName("ResolveAlert")
            .WithSummary("Resolves an open alert; if its condition fires again, a new alert linked to this one opens (409 when resolved already)");

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

        var channels = app.MapGroup("/api/channels").WithTags("Alerts");
        channels.MapGet("/", ListChannels).WithName("ListChannels").WithSummary("Notification channels and what they receive (secrets left out)");
        channels.MapPost("/{id}/test", TestChannel).WithName("TestChannel").WithSummary("Posts a test message to a channel now and says what happened");
        return app;
    }

    public static async Task<Results<Ok<AlertPage>, ValidationProblem>> List(
        AlertStore store,
        CancellationToken cancellationToken,
        [AllowedValues("firing", "acknowledged", "resolved")] string? state = null,
        [StringLength(ConnectorMaxLength, MinimumLength = 1)] string? connector = null,
        [StringLength(64, MinimumLength = 1)] string? rule = null,
        [AllowedValues("info", "warning", "critical")] string? severity = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null)
    {
        var query = new QueryParameters();
        if (state is not null and not ("firing" or "acknowledged" or "resolved"))
        {
            query.Fail("state", "Unknown state. Use one of: firing, acknowledged, resolved.");
        }
        connector = query.Text("connector", connector, ConnectorMaxLength);
        if (rule is not null && !RuleNames.IsKnown(rule))
        {
            query.Fail("rule", $"Unknown rule. Use one of: {string.Join(", ", RuleNames.All)}.");
        }
        if (severity is not null and not ("info" or "warning" or "critical"))
        {
            query.Fail("severity", "Unknown severity. Use one of: info, warning, critical.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(await store.ListAsync(new AlertFilter(state, connector, rule, severity, pageSize, after), cancellationToken));
    }

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult>> Get(long id, AlertStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } alert ? TypedResults.Ok(alert) : NoSuchAlert(id);

    /// <summary>Who acknowledges or resolves (optional; "api" when left out).</summary>
    public sealed record LifecycleRequest(string? By);

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult, ValidationProblem>> Acknowledge(
        long id, AlertStore store, CancellationToken cancellationToken, [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] LifecycleRequest? request = null)
    {
        if (Who(request) is not { } by)
        {
            return ByProblem();
        }
        return await store.AcknowledgeAsync(id, by, cancellationToken) switch
        {
            LifecycleOutcome.Done => TypedResults.Ok((await store.GetAsync(id, cancellationToken))!),
            var outcome => NotChanged(id, outcome),
        };
    }

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult, ValidationProblem>> Resolve(
        long id, AlertStore store, AlertAnnouncer announcer, IPublishEndpoint bus, CancellationToken cancellationToken,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] LifecycleRequest? request = null)
    {
        if (Who(request) is not { } by)
        {
            return ByProblem();
        }
        var (outcome, resolved) = await store.ResolveAsync(id, by, cancellationToken);
        if (outcome != LifecycleOutcome.Done)
        {
            return NotChanged(id, outcome);
        }
        // Only the call whose update resolved the alert announces it, so the announcement goes out once.
        var changes = new AlertChanges();
        changes.Resolved.Add(resolved!);
        await announcer.AnnounceAsync(bus, changes, cancellationToken);
        return TypedResults.Ok((await store.GetAsync(id, cancellationToken))!);
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
        var connector = query.Text("connector", request.Connector, ConnectorMaxLength);
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
        var author = query.Text("author", request.Author ?? "", AuthorMaxLength);
        var comment = query.Text("comment", request.Comment ?? "", CommentMaxLength);
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

    public sealed record ChannelView(string Id, ChannelFormat Format, string Target, IReadOnlyList<Severity>? Severities, IReadOnlyList<string>? Rules, bool Enabled);

    public sealed record ChannelList(IReadOnlyList<ChannelView> Items);

    public static Ok<ChannelList> ListChannels(IOptionsMonitor<AlertingOptions> options) =>
        TypedResults.Ok(new ChannelList(options.CurrentValue.Channels
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            // The URL is a secret (a Slack webhook's path is its key): only where it goes is shown.
            .Select(c => new ChannelView(c.Key, c.Value.Format, Uri.TryCreate(c.Value.Url, UriKind.Absolute, out var url) ? $"{url.Scheme}://{url.Authority}" : "(invalid)",
                c.Value.Severities, c.Value.Rules, c.Value.Enabled))
            .ToArray()));

    public sealed record ChannelTestResult(string Channel, bool Delivered, int? StatusCode, string? Error);

    public static async Task<Results<Ok<ChannelTestResult>, ProblemHttpResult>> TestChannel(
        string id, NotificationDelivery delivery, IOptionsMonitor<AlertingOptions> options, CancellationToken cancellationToken)
    {
        if (!options.CurrentValue.Channels.ContainsKey(id))
        {
            return TypedResults.Problem(detail: "There is no channel with that id; GET /api/channels lists them.", statusCode: StatusCodes.Status404NotFound);
        }
        var outcome = await delivery.TestAsync(id, cancellationToken);
        return TypedResults.Ok(new ChannelTestResult(id, outcome.Delivered, outcome.StatusCode, outcome.Error));
    }

    private static string? Who(LifecycleRequest? request)
    {
        var by = request?.By ?? "api";
        return by.Length is > 0 and <= AuthorMaxLength && StorableText.IsStorable(by) ? by : null;
    }

    private static ValidationProblem ByProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["by"] = [$"by must be 1 to {AuthorMaxLength} characters of text."] });

    // The one answer for a lifecycle call that changed nothing: another call (or the engine) got there first.
    private static ProblemHttpResult NotChanged(long id, LifecycleOutcome outcome) => outcome switch
    {
        LifecycleOutcome.NotFound => NoSuchAlert(id),
        LifecycleOutcome.AlreadyAcknowledged => TypedResults.Problem(
            title: "Alert is acknowledged already", detail: $"Alert {id} is acknowledged already; nothing was changed.",
            statusCode: StatusCodes.Status409Conflict),
        _ => TypedResults.Problem(
            title: "Alert is resolved already", detail: $"Alert {id} is resolved already; nothing was changed.",
            statusCode: StatusCodes.Status409Conflict),
    };

    private static ProblemHttpResult NoSuchAlert(long id) =>
        TypedResults.Problem(detail: $"There is no alert {id}.", statusCode: StatusCodes.Status404NotFound);
}
