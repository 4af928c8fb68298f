namespace Relay.Cli.Config;

/// <summary><c>relay alias set NAME MODEL</c>, <c>relay alias list</c>, <c>relay alias remove NAME</c>: short names for models (<c>-m NAME</c>, <c>/model NAME</c>).</summary>
internal sealed class AliasCommand(CliConsole console, ConfigLocation location)
{
    public async Task<int> SetAsync(string name, string model)
    {
        if (name.Contains('/', StringComparison.Ordinal) || string.IsNullOrWhiteSpace(name))
        {
            throw new UsageException($"an alias is a short name without '/', got '{name}'");
        }

        ConfigFile.Update(location, table => ConfigFile.Section(table, "aliases")[name] = model);
        await console.Error.WriteLineAsync($"alias {name} = {model} ({location.Path})");
        return ExitCodes.Success;
    }

    public async Task<int> ListAsync()
    {
        foreach (var (name, model) in RelayConfig.Load(location, console.Error).Aliases.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            await console.Out.WriteLineAsync($"{name} = {model}");
        }

        return ExitCodes.Success;
    }

    public async Task<int> RemoveAsync(string name)
    {
        var removed = ConfigFile.Remove(location, "aliases", name);
        await console.Error.WriteLineAsync(removed ? $"alias {name} removed" : $"error: there is no alias {name} (relay alias list)");
        return removed ? ExitCodes.Success : ExitCodes.Error;
    }
}
