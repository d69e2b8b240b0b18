using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>Alerts and their lifecycle: list, read, acknowledge, resolve.</summary>
public static class AlertsApi
{
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Alerts");
        alerts.MapGet("/", List).WithName("ListAlerts")
            .WithSummary("Alerts, newest first, each with its occurrence count, what to do next and its lifecycle")
            .WithDescription($"Filters: state (firing|acknowledged|resolved), connector, rule ({string.Join("|", RuleNames.All)}), "
                + "severity (info|warning|critical), owner and tag (the connector's), feedback (expected|false_positive|fixed); "
                + Paging.Description);
        alerts.MapGet("/{id:long}", Get).WithName("GetAlert").WithSummary("One alert with its occurrences and notifications");
        alerts.MapPost("/{id:long}/ack", Acknowledge).WithName("AcknowledgeAlert")
            .WithSummary("Acknowledges a firing alert: it stays open but is no longer notified again (409 when acknowledged or resolved already)");
        alerts.MapPost("/{id:long}/feedback", Judge).WithName("JudgeAlert")
            .WithSummary("Records how an alert was judged: expected, false_positive or fixed, with who and a note (replaces an earlier judgement)");
        alerts.MapGet("/judgements", Judgements).WithName("AlertJudgements")
            .WithSummary("How alerts were judged, per rule and verdict (unjudged included), for one connector or all");
        alerts.MapPost("/{id:long}/resolve", Resolve).WithName("ResolveAlert")
            .WithSummary("Resolves an open alert; if its condition fires again, a new alert linked to this one opens (409 when resolved already)");
        return app;
    }

    public static async Task<Results<Ok<AlertPage>, ValidationProblem>> List(
        AlertStore store,
        CancellationToken cancellationToken,
        [AllowedValues("firing", "acknowledged", "resolved")] string? state = null,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [StringLength(64, MinimumLength = 1)] string? rule = null,
        [AllowedValues("info", "warning", "critical")] string? severity = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null,
        [StringLength(RunDefinition.MaxOwnerLength, MinimumLength = 1)] string? owner = null,
        [StringLength(64, MinimumLength = 1)] string? tag = null,
        [AllowedValues("expected", "false_positive", "fixed")] string? feedback = null)
    {
        var query = new QueryParameters();
        if (state is not null and not ("firing" or "acknowledged" or "resolved"))
        {
            query.Fail("state", "Unknown state. Use one of: firing, acknowledged, resolved.");
        }
        connector = query.Connector("connector", connector);
        if (rule is not null && !RuleNames.IsKnown(rule))
        {
            query.Fail("rule", $"Unknown rule. Use one of: {string.Join(", ", RuleNames.All)}.");
        }
        if (severity is not null and not ("info" or "warning" or "critical"))
        {
            query.Fail("severity", "Unknown severity. Use one of: info, warning, critical.");
        }
        (owner, tag) = query.Labels(owner, tag);
        if (feedback is not null && !AlertFeedback.Verdicts.Contains(feedback))
        {
            query.Fail("feedback", $"Unknown verdict. Use one of: {string.Join(", ", AlertFeedback.Verdicts)}.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(await store.ListAsync(
            new AlertFilter(state, connector, rule, severity, pageSize, after, owner, tag, feedback), cancellationToken));
    }

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult>> Get(long id, AlertStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } alert ? TypedResults.Ok(alert) : NoSuchAlert(id);

    /// <summary>The body of <c>POST /api/alerts/{id}/feedback</c>: the verdict, who judged, and an optional note.</summary>
    public sealed record FeedbackRequest(string? Verdict, string? By, string? Note);

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult, ValidationProblem>> Judge(
        long id, FeedbackRequest request, AlertStore store, CancellationToken cancellationToken)
    {
        var query = new QueryParameters();
        if (request.Verdict is null || !AlertFeedback.Verdicts.Contains(request.Verdict))
        {
            query.Fail("verdict", $"verdict is required, one of: {string.Join(", ", AlertFeedback.Verdicts)}.");
        }
        if (request.By is null)
        {
            query.Fail("by", "by is required: who judged the alert.");
        }
        var by = query.Text("by", request.By, InputLimits.AuthorMaxLength);
        var note = query.Text("note", request.Note, InputLimits.CommentMaxLength);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return await store.JudgeAsync(id, request.Verdict!, by!, note, cancellationToken)
            ? TypedResults.Ok((await store.GetAsync(id, cancellationToken))!)
            : NoSuchAlert(id);
    }

    public sealed record JudgementList(IReadOnlyList<JudgementCount> Items);

    public static async Task<Results<Ok<JudgementList>, ValidationProblem>> Judgements(
        AlertStore store, CancellationToken cancellationToken, [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null)
    {
        var query = new QueryParameters();
        connector = query.Connector("connector", connector);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(new JudgementList(await store.JudgementsAsync(connector, cancellationToken)));
    }

    /// <summary>Who acknowledges or resolves (optional; "api" when left out).</summary>
    public sealed record LifecycleRequest(string? By);

    public static async Task<Results<Ok<AlertDetail>, ProblemHttpResult, ValidationProblem>> Acknowledge(
        long id, AlertStore store, AlertAnnouncer announcer, IPublishEndpoint bus, CancellationToken cancellationToken,
        [FromBody(EmptyBodyBehavior = Microsoft.AspNetCore.Mvc.ModelBinding.EmptyBodyBehavior.Allow)] LifecycleRequest? request = null)
    {
        if (Who(request) is not { } by)
        {
            return ByProblem();
        }
        var outcome = await store.AcknowledgeAsync(id, by, cancellationToken);
        if (outcome != LifecycleOutcome.Done)
        {
            return NotChanged(id, outcome);
        }
        var detail = (await store.GetAsync(id, cancellationToken))!;
        // Only the call whose update acknowledged the alert announces it, so the announcement goes out once.
        var alert = detail.Alert;
        var changes = new AlertChanges();
        changes.Updated.Add(new AlertUpdated(alert.AlertId, alert.Connector, alert.Rule, "acknowledged", alert.State, alert.Severity,
            alert.Occurrences, alert.AcknowledgedAt ?? DateTimeOffset.UtcNow));
        await announcer.AnnounceAsync(bus, changes, cancellationToken);
        return TypedResults.Ok(detail);
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

    private static string? Who(LifecycleRequest? request)
    {
        var by = request?.By ?? "api";
        return by.Length is > 0 and <= InputLimits.AuthorMaxLength && StorableText.IsStorable(by) ? by : null;
    }

    private static ValidationProblem ByProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["by"] = [$"by must be 1 to {InputLimits.AuthorMaxLength} characters of text."] });

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
