using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ConnectorHealth.Alerting.Apis;

public static class ReceivedRunsApi
{
    public static IEndpointRouteBuilder MapReceivedRunsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/alerting/runs/{runId:guid}", GetRun).WithTags("Alerts").WithName("GetReceivedRun")
            .WithSummary("One run as alerting took it in (what its rules judge): status, finish time, latency, rate limiting, error")
            .WithDescription("404 until the run has reached alerting, or once it is past Alerting:RunRetention.");
        return app;
    }

    public static async Task<Results<Ok<ReceivedRun>, ProblemHttpResult>> GetRun(
        Guid runId, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT run_id, connector, status, finished_at, latency_ms, rate_limited, error_type, error_message, received_at
            FROM alerting.runs WHERE run_id = $1
            """);
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return TypedResults.Problem(
                detail: $"Alerting has no run {runId}: it has not arrived yet, or it is past retention.", statusCode: StatusCodes.Status404NotFound);
        }
        return TypedResults.Ok(new ReceivedRun(
            reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetDouble(4),
            reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.GetFieldValue<DateTimeOffset>(8)));
    }
}
