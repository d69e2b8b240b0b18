using Microsoft.AspNetCore.Authorization;

namespace ConnectorHealth.Gateway.Security;

/// <summary>A viewer may read; everything else needs the operator.</summary>
public sealed class ApiAccessRequirement : AuthorizationHandler<ApiAccessRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiAccessRequirement requirement)
    {
        var method = context.Resource switch
        {
            HttpContext http => http.Request.Method,
            _ => null,
        };
        var reads = method is not null && (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));
        if (context.User.IsInRole(ApiRoles.Operator) || (reads && context.User.IsInRole(ApiRoles.Viewer)))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
