using Microsoft.AspNetCore.Authorization;

namespace ConnectorHealth.Gateway.Security;

/// <summary>A viewer may read; a reporter may report runs and lineage (and ask its role); the operator may do everything.</summary>
public sealed class ApiAccessRequirement : AuthorizationHandler<ApiAccessRequirement>, IAuthorizationRequirement
{
    /// <summary>The routes a reporter key may send: run reports and OpenLineage events.</summary>
    private static readonly string[] ReportPaths = ["/api/runs", "/api/v1/lineage", "/api/v1/lineage/batch"];

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiAccessRequirement requirement)
    {
        if (context.Resource is not HttpContext http)
        {
            return Task.CompletedTask;
        }
        var method = http.Request.Method;
        var reads = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
        if (context.User.IsInRole(ApiRoles.Operator)
            || (reads && context.User.IsInRole(ApiRoles.Viewer))
            || (context.User.IsInRole(ApiRoles.Reporter) && IsReport(http.Request, reads)))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }

    private static bool IsReport(HttpRequest request, bool reads)
    {
        var path = request.Path.Value?.TrimEnd('/') ?? "";
        return (HttpMethods.IsPost(request.Method) && ReportPaths.Any(p => string.Equals(path, p, StringComparison.OrdinalIgnoreCase)))
            || (reads && string.Equals(path, "/api/access", StringComparison.OrdinalIgnoreCase));
    }
}
