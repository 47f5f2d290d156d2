using Microsoft.AspNetCore.Mvc.Testing;

namespace Dashboard.Web.Tests.Api;

/// <summary>The real app in memory (TestServer): the API tests share one per class.</summary>
public sealed class DashboardFactory : WebApplicationFactory<Program>;
