using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Alerting.Windows;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>The routing tree: what is configured, and where a sample alert would go and why.</summary>
public static class RoutesApi
{
    public static IEndpointRouteBuilder MapRoutesApi(this IEndpointRouteBuilder app)
    {
        var routes = app.MapGroup("/api/routes").WithTags("Alerts");
        routes.MapGet("/", ListRoutes).WithName("ListRoutes")
            .WithSummary("The routing tree (Alerting:Route) with what each route inherits filled in, and the maintenance windows' state now");
        routes.MapPost("/test", TestRoute).WithName("TestRoute")
            .WithSummary("Which receivers a sample alert (connector, rule, severity, owner, tags) would reach, grouped how, and why")
            .WithDescription("Nothing is sent or stored. Receivers whose channel filters (severities, rules) refuse the alert, or that are "
                + "disabled, are left out, as they are for real alerts.");
        return app;
    }

    public sealed record WindowView(string Name, bool ActiveNow, DateTimeOffset? NextChange);

    public sealed record RouteList(bool FromChannels, IReadOnlyList<RouteView> Items, IReadOnlyList<WindowView> Windows);

    public static Ok<RouteList> ListRoutes(RouteTrees trees, IOptionsMonitor<AlertingOptions> options, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var tree = trees.Current;
        var windows = options.CurrentValue.TimeIntervals.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => new WindowView(w.Key, MaintenanceWindows.IsActive(w.Value, now), MaintenanceWindows.NextChange(w.Value, now, RouteMuting.Horizon)))
            .ToArray();
        return TypedResults.Ok(new RouteList(tree.FromChannels, tree.Describe(), windows));
    }

    /// <summary>The body of <c>POST /api/routes/test</c>: a sample alert.</summary>
    public sealed record RouteTestRequest(string? Connector, string? Rule, Severity? Severity, string? Owner, IReadOnlyList<string>? Tags);

    public sealed record RouteTestReceiver(
        string Receiver, string Route, string GroupKey, IReadOnlyDictionary<string, string> GroupLabels, TimeSpan GroupWait, TimeSpan GroupInterval,
        TimeSpan RepeatInterval, string? MutedNow, TimeSpan? EscalateAfter, string? EscalateTo, IReadOnlyList<string> Why);

    public sealed record RouteTestResult(IReadOnlyList<RouteTestReceiver> Receivers);

    public static Results<Ok<RouteTestResult>, ValidationProblem> TestRoute(
        RouteTestRequest request, RouteTrees trees, IOptionsMonitor<AlertingOptions> options, TimeProvider time)
    {
        var query = new QueryParameters();
        var connector = query.Connector("connector", request.Connector);
        if (request.Connector is null)
        {
            query.Fail("connector", "connector is required: the alert's connector.");
        }
        if (request.Rule is null || !RuleNames.IsKnown(request.Rule))
        {
            query.Fail("rule", $"rule is required, one of: {string.Join(", ", RuleNames.All)}.");
        }
        if (request.Severity is not { } severity || !Enum.IsDefined(severity))
        {
            query.Fail("severity", "severity is required, one of: info, warning, critical.");
            severity = default;
        }
        // Owners and tags by the run's own rules: a sample no run could carry is refused.
        var owner = request.Owner;
        if (owner is not null && RunDefinition.OwnerProblem(owner) is { } ownerProblem)
        {
            query.Fail("owner", ownerProblem);
        }
        var tags = request.Tags ?? [];
        if (RunDefinition.TagsProblem(tags) is { } tagsProblem)
        {
            query.Fail("tags", tagsProblem);
        }
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        var labels = new AlertLabels(connector!, request.Rule!, severity, owner, tags, $"sample|{connector}|{request.Rule}");
        var intervals = options.CurrentValue.TimeIntervals;
        var now = time.GetUtcNow();
        var receivers = trees.Current.Match(labels).Select(route => new RouteTestReceiver(
                route.Receiver, route.Path, route.GroupKey(labels), route.GroupLabels(labels), route.GroupWait, route.GroupInterval,
                route.RepeatInterval, RouteMuting.At(route.MuteTimeIntervals, route.ActiveTimeIntervals, intervals, now)?.Reason, route.EscalateAfter, route.EscalateTo, route.Why))
            .ToArray();
        return TypedResults.Ok(new RouteTestResult(receivers));
    }
}
