using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AuditExport.Hosting;

/// <summary>
/// Settings as options: read from app settings of their own names, validated when the handler starts
/// (<c>ValidateOnStart</c>), so a bad value stops the start with every problem named in one line (Program) instead
/// of failing the first request that needs it. Consumers take the options class itself.
/// </summary>
public static class SettingsOptions
{
    public static void Add<T>(IServiceCollection services, IConfiguration configuration,
        Action<IConfiguration, T> read, Func<T, IEnumerable<string>> problems) where T : class
    {
        services.AddOptions<T>().Configure(options => read(configuration, options)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new Validator<T>(problems));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
    }

    private sealed class Validator<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T> where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            problems(options).ToList() is { Count: > 0 } found ? ValidateOptionsResult.Fail(found) : ValidateOptionsResult.Success;
    }
}
