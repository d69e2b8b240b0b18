using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.Apis.Models;
using ConnectorHealth.Drift.Apis.Store;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Publishing;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Drift.Apis;

/// <summary>Data contracts per connector, and the quarantine their <c>quarantine</c> policy fills.</summary>
public static class ContractsApi
{
    public static IEndpointRouteBuilder MapContractsApi(this IEndpointRouteBuilder app)
    {
        var contracts = app.MapGroup("/api/contracts").WithTags("Contracts");
        contracts.MapGet("/{connector}", GetContract).WithName("GetContract").WithSummary("A connector's contract");
        contracts.MapPut("/{connector}", PutContract).WithName("PutContract")
            .WithSummary("Creates or replaces a connector's contract: a JSON Schema its payloads must meet, and a policy (alert or quarantine)")
            .WithDescription("Under quarantine, a payload that breaks the contract is held (GET /api/quarantine) instead of becoming a "
                + "schema version; under alert it is recorded as usual and reported once per contract revision.");
        contracts.MapDelete("/{connector}", DeleteContract).WithName("DeleteContract").WithSummary("Removes a connector's contract");

        var quarantine = app.MapGroup("/api/quarantine").WithTags("Contracts");
        quarantine.MapGet("/", ListQuarantine).WithName("ListQuarantine")
            .WithSummary("Quarantined payloads, newest first, with their violations")
            .WithDescription($"Filters: connector, status (held|released); " + Paging.Description);
        quarantine.MapGet("/{id:guid}", GetQuarantined).WithName("GetQuarantined").WithSummary("One quarantined run with its payload");
        quarantine.MapPost("/{id:guid}/replay", Replay).WithName("ReplayQuarantined")
            .WithSummary("Re-checks a quarantined payload against the current contract and, if it passes, releases it as a normal run")
            .WithDescription("200 with the version it became; 409 with the violations when it still breaks the contract (it stays held), "
                + "or when it was released already.");
        return app;
    }

    public static async Task<Results<Ok<Contract>, ProblemHttpResult, ValidationProblem>> GetContract(
        string connector, ContractStore store, CancellationToken cancellationToken)
    {
        if (SchemasApi.SubjectProblem(connector) is { } problem)
        {
            return problem;
        }
        return await store.GetContractAsync(connector, cancellationToken) is { } contract
            ? TypedResults.Ok(contract)
            : SchemasApi.NotFound($"Connector {connector} has no contract.");
    }

    /// <summary>The body of <c>PUT /api/contracts/{connector}</c>.</summary>
    public static async Task<Results<Ok<Contract>, Created<Contract>, ValidationProblem>> PutContract(
        string connector, ContractRequest request, ContractStore store, IOptions<DriftOptions> options, CancellationToken cancellationToken)
    {
        if (SchemasApi.SubjectProblem(connector) is { } problem)
        {
            return problem;
        }
        var errors = new Dictionary<string, string[]>();
        if (request.Policy is not { } policy || !Enum.IsDefined(policy))
        {
            errors["policy"] = [$"policy is required: one of {EnumNames.List<ContractPolicy>()}."];
            policy = default;
        }
        if (request.Schema is not { } schema || schema.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            errors["schema"] = ["schema is required: a JSON Schema object, e.g. {\"type\":\"object\",\"required\":[\"id\"]}."];
            schema = default;
        }
        else if (System.Text.Encoding.UTF8.GetByteCount(schema.GetRawText()) > options.Value.MaxContractBytes)
        {
            errors["schema"] = [$"schema must be at most {options.Value.MaxContractBytes} bytes."];
        }
        else if (!ContractRules.TryCompile(schema, options.Value.ContractCheckBudget, out _, out var error))
        {
            errors["schema"] = [error!];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var (contract, created) = await store.PutContractAsync(connector, policy, schema, cancellationToken);
        return created ? TypedResults.Created($"/api/contracts/{Uri.EscapeDataString(connector)}", contract) : TypedResults.Ok(contract);
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteContract(
        string connector, ContractStore store, CancellationToken cancellationToken)
    {
        if (SchemasApi.SubjectProblem(connector) is { } problem)
        {
            return problem;
        }
        return await store.DeleteContractAsync(connector, cancellationToken)
            ? TypedResults.NoContent()
            : SchemasApi.NotFound($"Connector {connector} has no contract.");
    }

    public static async Task<Results<Ok<QuarantinePage>, ValidationProblem>> ListQuarantine(
        ContractStore store,
        CancellationToken cancellationToken,
        [StringLength(RunDefinition.MaxConnectorLength, MinimumLength = 1)] string? connector = null,
        [AllowedValues("held", "released")] string? status = null,
        [ParsedAs(typeof(int)), Range(1, Paging.MaxLimit)] string? limit = null,
        [StringLength(Paging.CursorMaxLength, MinimumLength = 1)] string? cursor = null)
    {
        var query = new QueryParameters();
        connector = SchemasApi.Subject(query, "connector", connector);
        if (status is not null and not ("held" or "released"))
        {
            query.Fail("status", "Unknown status. Use one of: held, released.");
        }
        var pageSize = query.PageSize(limit);
        var after = query.After(cursor);
        if (query.HasErrors)
        {
            return TypedResults.ValidationProblem(query.Errors);
        }
        return TypedResults.Ok(await store.ListQuarantineAsync(connector, status, pageSize, after, cancellationToken));
    }

    public static async Task<Results<Ok<QuarantineItem>, ProblemHttpResult>> GetQuarantined(
        Guid id, ContractStore store, CancellationToken cancellationToken) =>
        await store.GetQuarantinedAsync(id, cancellationToken) is { } item
            ? TypedResults.Ok(item)
            : SchemasApi.NotFound($"Nothing is quarantined under {id}.");

    public static async Task<Results<Ok<ReplayReceipt>, ProblemHttpResult>> Replay(
        Guid id, DriftProcessor processor, DriftEventPublisher publisher, IPublishEndpoint bus, CancellationToken cancellationToken)
    {
        var result = await processor.ReplayAsync(id, cancellationToken);
        switch (result.Status)
        {
            case ReplayStatus.NotFound:
                return SchemasApi.NotFound($"Nothing is quarantined under {id}.");
            case ReplayStatus.AlreadyReleased:
                return TypedResults.Problem(detail: $"Quarantined run {id} was released already.", statusCode: StatusCodes.Status409Conflict);
            case ReplayStatus.StillViolates:
                return TypedResults.Problem(
                    detail: "The payload still breaks the connector's contract; it stays in quarantine. Fix the contract or the source, then replay.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["violations"] = result.Violations });
            default:
                await publisher.PublishAsync(bus, result.ToPublish, cancellationToken);
                return TypedResults.Ok(new ReplayReceipt(id, "released", result.Version, result.ToPublish.Count));
        }
    }
}
