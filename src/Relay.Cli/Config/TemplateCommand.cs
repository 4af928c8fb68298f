using Tomlyn.Model;

namespace Relay.Cli.Config;

/// <summary>
/// <c>relay template save NAME --system TEXT [-m MODEL]</c>, <c>list</c>, <c>show NAME</c>, <c>remove NAME</c>: a system prompt
/// (and model) kept under a name, used with <c>-t NAME</c> by ask and chat.
/// </summary>
internal sealed class TemplateCommand(CliConsole console, ConfigLocation location)
{
    public async Task<int> SaveAsync(string name, string? system, string? model)
    {
        if (system is null && model is null)
        {
            throw new UsageException("a template needs --system TEXT, -m MODEL or both");
        }

        ConfigFile.Update(location, table =>
        {
            var template = new TomlTable();
            if (system is not null)
            {
                template["system"] = system;
            }

            if (model is not null)
            {
                template["model"] = model;
            }

            ConfigFile.Section(table, "templates")[name] = template;
        });
        await console.Error.WriteLineAsync($"template {name} saved ({location.Path}); use it with -t {name}");
        return ExitCodes.Success;
    }

    public async Task<int> ListAsync()
    {
        foreach (var (name, template) in RelayConfig.Load(location, console.Error).Templates.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var system = template.System?.ReplaceLineEndings(" ");
            var parts = new[] { template.Model is { } m ? "model " + m : null, system is null ? null : "system: " + (system.Length <= 60 ? system : system[..59] + "…") };
            await console.Out.WriteLineAsync($"{name}  {string.Join(" · ", parts.Where(p => p is not null))}");
        }

        return ExitCodes.Success;
    }

    public async Task<int> ShowAsync(string name)
    {
        if (!RelayConfig.Load(location, console.Error).Templates.TryGetValue(name, out var template))
        {
            await console.Error.WriteLineAsync($"error: there is no template {name} (relay template list)");
            return ExitCodes.Error;
        }

        if (template.Model is { } model)
        {
            await console.Out.WriteLineAsync($"model: {model}");
        }

        if (template.System is { } system)
        {
            await console.Out.WriteLineAsync(system);
        }

        return ExitCodes.Success;
    }

    public async Task<int> RemoveAsync(string name)
    {
        var removed = ConfigFile.Remove(location, "templates", name);
        await console.Error.WriteLineAsync(removed ? $"template {name} removed" : $"error: there is no template {name} (relay template list)");
        return removed ? ExitCodes.Success : ExitCodes.Error;
    }
}
