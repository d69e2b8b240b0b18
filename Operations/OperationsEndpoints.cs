using ConnectorHealth.Operations.PipelineHealth;
using ConnectorHealth.Operations.SystemStatus;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

// In the hosting namespace, beside MapDefaultEndpoints, so each service's Program.cs finds it without a using.
namespace Microsoft.AspNetCore.Builder;

public static class OperationsEndpoints
{
    /// <summary>
    /// Maps the operations of the service's pipeline under <c>/api/system/{service}</c> (see <see cref="PipelineApi"/>),
    /// for the service named in <c>AddOperations</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app) =>
        app.MapPipelineApi(app.ServiceProvider.GetRequiredService<PipelineService>().Name);
}
