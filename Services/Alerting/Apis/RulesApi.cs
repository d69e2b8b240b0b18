using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Thresholds;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting.Apis;

/// <summary>The rules' thresholds: defaults from configuration, and per connector from configuration and this API.</summary>
public static class RulesApi
{

    public static IEndpointRouteBuilder MapRulesApi(this IEndpointRouteBuilder app)
    {
        var rules = app.MapGroup("/api/rules").WithTags("Alerts");
        rules.MapGet("/", List).WithName("ListRuleThresholds")
            .WithSummary("The default thresholds and every connector with its own (from configuration and this API)");
        rules.MapGet("/{connector}", Get).WithName("GetRuleThresholds")
            .WithSummary("A connector's thresholds: the defaults, its configured and API values, and what applies");
        rules.MapPut("/{connector}", Put).WithName("SetRuleThresholds")
            .WithSummary("Sets a connector's thresholds; only the values given differ from the defaults and configuration")
            .WithDescription("Idempotent: the same thresholds again change nothing (not even updatedAt) and answer the same 200.");
        rules.MapDelete("/{connector}", Delete).WithName("ClearRuleThresholds")
            .WithSummary("Removes the thresholds set through the API (404 when there are none, e.g. removed already)");
        return app;
    }

    public sealed record ConnectorThresholds(string Connector, RuleOverrides? Configured, RuleOverrides? FromApi, RuleThresholds Effective);

    public sealed record ThresholdList(RuleThresholds Defaults, IReadOnlyList<ConnectorThresholds> Connectors);

    public static async Task<Ok<ThresholdList>> List(
        RuleOverridesStore store, IOptionsMonitor<AlertingOptions> options, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var fromApi = await store.AllAsync(cancellationToken);
        var connectors = settings.Connectors.Keys.Concat(fromApi.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(c => Describe(settings, c, fromApi.GetValueOrDefault(c)))
            .ToArray();
        return TypedResults.Ok(new ThresholdList(settings.Rules, connectors));
    }

    public static async Task<Results<Ok<ConnectorThresholds>, ValidationProblem>> Get(
        string connector, RuleOverridesStore store, IOptionsMonitor<AlertingOptions> options, CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
        {
            return problem;
        }
        var fromApi = (await store.AllAsync(cancellationToken)).GetValueOrDefault(connector);
        return TypedResults.Ok(Describe(options.CurrentValue, connector, fromApi));
    }

    public static async Task<Results<Ok<ConnectorThresholds>, ValidationProblem>> Put(
        string connector, RuleOverrides request, RuleOverridesStore store, IOptionsMonitor<AlertingOptions> options,
        CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
        {
            return problem;
        }
        var results = new List<ValidationResult>();
        var effective = options.CurrentValue.ThresholdsFor(connector, request);
        if (!Validator.TryValidateObject(request, new ValidationContext(request), results, validateAllProperties: true)
            | !Validator.TryValidateObject(effective, new ValidationContext(effective), results, validateAllProperties: true))
        {
            return TypedResults.ValidationProblem(results
                .SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => (Member: Camel(m), r.ErrorMessage)))
                .GroupBy(e => e.Member)
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage ?? "invalid").ToArray()));
        }
        // PUT is idempotent: whether this call wrote or found the same thresholds stored, the answer is the same state.
        await store.SetAsync(connector, request, "api", cancellationToken);
        return TypedResults.Ok(Describe(options.CurrentValue, connector, request));
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Delete(
        string connector, RuleOverridesStore store, CancellationToken cancellationToken)
    {
        if (ConnectorProblem(connector) is { } problem)
        {
            return problem;
        }
        return await store.DeleteAsync(connector, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(detail: $"Connector {connector} has no thresholds set through the API.", statusCode: StatusCodes.Status404NotFound);
    }

    private static ConnectorThresholds Describe(AlertingOptions settings, string connector, RuleOverrides? fromApi) =>
        new(connector, settings.Connectors.GetValueOrDefault(connector), fromApi, settings.ThresholdsFor(connector, fromApi));

    private static ValidationProblem? ConnectorProblem(string connector)
    {
        var query = new QueryParameters();
        query.Connector("connector", connector);
        return query.HasErrors ? TypedResults.ValidationProblem(query.Errors) : null;
    }

    private static string Camel(string member) => member.Length == 0 ? "body" : char.ToLowerInvariant(member[0]) + member[1..];
}
