using System.Net.Http.Json;
using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.AppHost;

internal static class DeadLetterCommands
{
    /// <summary>
    /// Adds the dashboard command "Re-drive dead letters": POST <c>/api/system/{service}/dead-letters/redrive</c> on the
    /// service itself, re-driving every dead letter of every store (error queues, parked runs).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithRedriveCommand(this IResourceBuilder<ProjectResource> builder) =>
        builder.WithHttpCommand(
            $"/api/system/{builder.Resource.Name}/dead-letters/redrive",
            "Re-drive dead letters",
            endpointName: "http",
            commandName: "redrive-dead-letters",
            commandOptions: new HttpCommandOptions
            {
                Description = "Moves every dead letter of this service (error queues, parked work) back to where it failed",
                ConfirmationMessage = $"Re-drive every dead letter of {builder.Resource.Name}?",
                IconName = "ArrowRedo",
                GetCommandResult = async context =>
                {
                    if (!context.Response.IsSuccessStatusCode)
                    {
                        return CommandResults.Failure(
                            $"Re-drive failed: {(int)context.Response.StatusCode} {await context.Response.Content.ReadAsStringAsync(context.CancellationToken)}");
                    }
                    var result = await context.Response.Content.ReadFromJsonAsync<RedriveResult>(context.CancellationToken);
                    return CommandResults.Success($"{result?.Redriven ?? 0} dead letters re-driven");
                },
            });
}
