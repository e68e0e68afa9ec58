// `vae data list | verify | load`: the dataset catalog from the command line. Declares the options, calls Vae.Core.Data.
// Must not: parse files or hold dataset logic (that lives in core/Vae.Core/Data).
using System.CommandLine;
using System.Diagnostics;
using Vae.Core.Data;

namespace Vae.Cli;

/// <summary>The data command and its three subcommands.</summary>
public static class DataCommand
{
    const string RootText = "Data root; default: $VAE_DATA, else data/ in the repository.";

    public static Command Create(Func<TextWriter> output)
    {
        string[] names = Catalog.All.Select(d => d.Name).ToArray();
        Argument<string[]> Names(string description, int min)
        {
            var a = new Argument<string[]>("NAME") { Description = description, Arity = min == 0 ? ArgumentArity.ZeroOrMore : ArgumentArity.OneOrMore };
            a.AcceptOnlyFromAmong(names);
            return a;
        }

        var list = new Command("list", "List the datasets: shape, pixels, split rule, the paper's setup and the files each needs.");
        list.SetAction(_ => List(output()));

        var verifyNames = Names("Datasets to check; default: all.", 0);
        var verifyData = Opt.Text("--data", RootText, "DIR");
        var verify = new Command("verify", "Check the SHA-256 of every local data file; exit 1 if one is missing or differs.") { verifyNames, verifyData };
        verify.SetAction(r => Verify(DataRoot.Resolve(r.GetValue(verifyData)), r.GetValue(verifyNames) ?? [], output()));

        var loadNames = Names("Datasets to load.", 1);
        var loadData = Opt.Text("--data", RootText, "DIR");
        var variant = Opt.Choice("--variant", "Also prepare this data variant and describe it; default: none (the pixels as loaded).", null, ["grey", "dynamic", "fixed", "static"]);
        var seed = new Option<ulong>("--seed") { Description = "Seed of the variant's binarization.", HelpName = "S", DefaultValueFactory = _ => 1 };
        var merge = Opt.Flag("--merge-valid", "Append the validation split to the training split.");
        var offline = Opt.Flag("--offline", "Never download; fail if a file is missing.");
        var load = new Command("load", "Load datasets (read, SHA-256, decode) and print their sizes, ranges and load time.")
            { loadNames, loadData, variant, seed, merge, offline };
        load.SetAction(r => Load(DataRoot.Resolve(r.GetValue(loadData)), r.GetValue(loadNames)!, r.GetValue(variant), r.GetValue(seed),
                                 r.GetValue(merge), r.GetValue(offline), output()));

        return new Command("data", "The dataset catalog: list, verify, load.") { list, verify, load };
    }

    static int List(TextWriter o)
    {
        foreach (var d in Catalog.All)
        {
            o.WriteLine($"{d.Name,-16} {d.Rows}x{d.Cols} {(d.Binary ? "binary" : "grey")}  {d.Title}");
            o.WriteLine($"{"",-16} split: {d.Split.Description}");
            o.WriteLine($"{"",-16} paper setup: {DataVariants.Label(d.Paper.Variant)}, {Vae.Core.Training.DatasetDefaults.LikelihoodFor(d.Paper.Variant)} decoder, " +
                        $"{d.Paper.Hidden} hidden, validation {(d.Paper.Validation == ValidationSplit.MergeIntoTrain ? "merged into train" : "held out")}");
            foreach (var f in d.Files)
                o.WriteLine($"{"",-16} {f.Folder}/{string.Join(" | ", f.Forms.Select(x => x.Name))}");
        }
        return ExitCodes.Ok;
    }

    static int Verify(DataRoot root, string[] names, TextWriter o)
    {
        o.WriteLine($"data root: {root.Path} ({root.Source})");
        int bad = 0;
        foreach (var d in names.Length == 0 ? Catalog.All : names.Select(Catalog.Get).ToList())
            foreach (var file in d.Files)
            {
                var forms = new DataStore(root, fetcher: null).Verify(d with { Files = [file] });
                var present = forms.Where(r => r.Present).ToList();
                if (present.Count == 0) { o.WriteLine($"MISSING  {forms[0].Path}"); bad++; continue; }
                foreach (var r in present)
                {
                    o.WriteLine($"{(r.Ok ? "OK      " : "MISMATCH")} {r.Path}" + (r.Ok ? "" : $" expected {r.Expected}, found {r.Found}"));
                    if (!r.Ok) bad++;
                }
            }
        return bad == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    static int Load(DataRoot root, string[] names, string? variant, ulong seed, bool merge, bool offline, TextWriter o)
    {
        var store = offline ? new DataStore(root, fetcher: null) : new DataStore(root);
        foreach (string name in names)
        {
            var info = Catalog.Get(name);
            var sw = Stopwatch.StartNew();
            var ds = Datasets.Load(info, store, merge ? ValidationSplit.MergeIntoTrain : ValidationSplit.HoldOut);
            double load = sw.Elapsed.TotalSeconds;
            o.WriteLine($"{ds.Describe()}");
            o.WriteLine($"  loaded in {load:F3} s (read + SHA-256 + decode), train range [{ds.Train.Range().Min}, {ds.Train.Range().Max}], train mean {ds.Train.Mean():F4}");
            if (variant is not null)
            {
                sw.Restart();
                var prepared = DataVariants.Prepare(ds, DataVariants.Parse(variant), seed);
                o.WriteLine($"  variant {DataVariants.Label(prepared.Variant)} prepared in {sw.Elapsed.TotalSeconds:F3} s: {prepared.Describe()}");
            }
        }
        return ExitCodes.Ok;
    }
}
