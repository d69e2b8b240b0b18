using System.Security.Claims;
using ConnectorHealth.Gateway.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Gateway.Apis;

public static class AccessApi
{
    /// <summary>Maps <c>GET /api/access</c>: the role of the key in <c>X-Api-Key</c> (a client shows or hides its actions by it).</summary>
    public static IEndpointRouteBuilder MapAccessApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/access", GetAccess).WithTags("System").WithName("GetAccess").RequireAuthorization(ApiRoles.Policy)
            .WithSummary("The role of the API key sent: viewer (GET and HEAD), reporter (run reports and OpenLineage events) or operator (everything)");
        return app;
    }

    public static Ok<ApiAccess> GetAccess(ClaimsPrincipal user)
    {
        var role = user.IsInRole(ApiRoles.Operator) ? ApiRoles.Operator
            : user.IsInRole(ApiRoles.Reporter) ? ApiRoles.Reporter
            : ApiRoles.Viewer;
        return TypedResults.Ok(new ApiAccess(role, role == ApiRoles.Operator));
    }
}
