// Training the sample-quality classifier (Model/Classifier.cs) on a labelled dataset's grey training images, seeded, into
// a run folder (manifest.json, checkpoint.ckpt with kind "classifier", metrics.json with the test accuracy), and loading
// it back to embed images. Owns: ClassifierOptions, the loop, the folder's files. Must not: compute Fréchet distances.

namespace Vae.Core.Training;

/// <summary>How the classifier is trained: Adam on J = mean log softmax[y], M = 100, grey pixels, all 60,000 MNIST training images;
/// the seed draws the initialisation (PyTorch's nn.Linear uniform) and the shuffle.</summary>
public sealed record ClassifierOptions : DatasetRunOptions
{
    public ClassifierSpec Model { get; init; } = new();
    public int Epochs { get; init; } = 10;
    /// <summary>Train on the first N training images only (0 = all; tests use a few thousand).</summary>
    public int TrainLimit { get; init; }
    public int BatchSize { get; init; } = 100;
    public double LearningRate { get; init; } = 1e-3;

    public ClassifierOptions Validate()
    {
        Model.Validate();
        if (TrainLimit < 0) throw new ArgumentException($"classifier train limit ({TrainLimit}) must be >= 0");
        if (Epochs <= 0) throw new ArgumentException($"classifier epochs ({Epochs}) must be positive");
        if (BatchSize <= 0) throw new ArgumentException($"classifier batch size ({BatchSize}) must be positive");
        if (!(LearningRate > 0)) throw new ArgumentException($"classifier learning rate ({LearningRate}) must be positive");
        return this;
    }
}

/// <summary>What the checkpoint's spec JSON holds for a classifier run (Kind tells it from a VAE's TrainOptions).</summary>
public sealed record ClassifierCheckpointSpec(string Kind, ClassifierOptions Options);

/// <summary>metrics.json of a classifier run.</summary>
public sealed record ClassifierMetrics(string Model, string Dataset, ulong Seed, int Epochs, double TestAccuracy, double TestLogLikelihood,
                                       int TestN, double TrainSeconds, string Blas);

/// <summary>A trained classifier: its options, parameters and test accuracy, and batched embedding of images.</summary>
public sealed class ClassifierRun
{
    public const string Kind = "classifier", CheckpointFile = "checkpoint.ckpt";
    const int EvalRows = 500;

    ClassifierRun(string path, ClassifierOptions options, float[] theta, double accuracy) =>
        (Path, Options, Theta, TestAccuracy) = (path, options, theta, accuracy);

    public string Path { get; }
    public ClassifierOptions Options { get; }
    /// <summary>Parameters [P] in <see cref="ClassifierSpec.Layout"/>.</summary>
    public float[] Theta { get; }
    /// <summary>Fraction of the test images classified correctly (from metrics.json).</summary>
    public double TestAccuracy { get; }

    /// <summary>True when <paramref name="dir"/> holds a finished classifier run (checkpoint and metrics).</summary>
    public static bool Exists(string dir) =>
        File.Exists(System.IO.Path.Combine(dir, CheckpointFile)) && File.Exists(System.IO.Path.Combine(dir, RunFolder.MetricsFile));

    /// <summary>Loads a classifier run; a clear error if the folder holds something else.</summary>
    public static ClassifierRun Load(string dir)
    {
        var folder = RunFolder.Open(dir);
        if (!Exists(folder.Path))
            throw new FileNotFoundException($"classifier run '{folder.Path}' has no {CheckpointFile} and {RunFolder.MetricsFile}; was it trained?");
        var c = Checkpoint.Load(folder.File(CheckpointFile));
        ClassifierCheckpointSpec? spec = null;
        try { spec = JsonSerializer.Deserialize<ClassifierCheckpointSpec>(c.SpecJson, RunFolder.JsonOptions); } catch (JsonException) { }
        if (spec?.Kind != Kind || spec.Options is null)
            throw new CheckpointFormatException(c.Source ?? folder.Path, $"expected a checkpoint of kind '{Kind}' (a classifier run), found another kind of run");
        var theta = new float[spec.Options.Model.Layout().Count];
        c.CopyFloatsTo("theta", theta);
        var m = JsonSerializer.Deserialize<ClassifierMetrics>(File.ReadAllText(folder.File(RunFolder.MetricsFile)), RunFolder.JsonOptions)
                ?? throw new InvalidDataException($"{folder.File(RunFolder.MetricsFile)} is empty");
        return new ClassifierRun(folder.Path, spec.Options, theta, m.TestAccuracy);
    }

    /// <summary>Trains a classifier into <paramref name="folder"/> (an empty run folder), logging one line per epoch.</summary>
    public static ClassifierRun Train(ClassifierOptions o, RunFolder folder, IBlas blas, TextWriter log)
    {
        o.Validate();
        var data = Datasets.Load(o.Dataset, o.DataDir, ValidationSplit.MergeIntoTrain);
        if (data.Train.Labels is null || data.Test.Labels is null) throw new ArgumentException($"dataset {o.Dataset} has no labels; a classifier needs them");
        if (data.D != o.Model.D) throw new ArgumentException($"classifier input D ({o.Model.D}) != dataset {o.Dataset}'s D ({data.D})");
        var train = o.TrainLimit > 0 && o.TrainLimit < data.Train.N ? data.Train.Slice(0, o.TrainLimit) : data.Train;
        folder.WriteManifest(new { Kind, Options = o, Model = o.Model.ToString(), Data = data.Describe(), Blas = blas.Describe() });
        var net = new Classifier(o.Model, blas, Math.Max(o.BatchSize, EvalRows));
        var theta = new Tensors.ParameterSet(net.Layout);
        theta.Initialize(Tensors.InitScheme.TorchUniform, 0f, new Rng(o.Seed, RngStream.Init));
        var grad = theta.Like();
        var opt = new Optimizer(new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = o.LearningRate }, theta.Data.Length, train.N);
        var batches = new BatchIterator(train, o.BatchSize, o.Seed, binarize: false);
        var x = new float[o.BatchSize * data.D]; // [M, D]
        var y = new int[o.BatchSize];            // [M]
        var sw = Stopwatch.StartNew();
        double acc = 0, testJ = 0;
        for (int epoch = 1; epoch <= o.Epochs; epoch++)
        {
            double sum = 0;
            for (int b = 0; b < batches.BatchesPerEpoch; b++)
            {
                batches.Next(x);
                var idx = batches.LastIndices;
                for (int k = 0; k < y.Length; k++) y[k] = train.Labels![idx[k]];
                net.Forward(theta.Data, x, o.BatchSize);
                double j = net.LogLikelihood(y, o.BatchSize);
                if (!double.IsFinite(j)) throw new TrainingDivergedException($"classifier epoch {epoch}, batch {b}: log-likelihood {j}");
                sum += j;
                Array.Clear(grad.Data);
                net.Backward(theta.Data, x, grad.Data, o.BatchSize);
                opt.Step(theta.Data, grad.Data);
            }
            (acc, testJ) = Evaluate(net, theta.Data, data.Test);
            log.WriteLine($"classifier epoch {epoch}/{o.Epochs}: train log-lik {sum / batches.BatchesPerEpoch:F4}, test accuracy {acc:P2}, " +
                          $"test log-lik {testJ:F4}, {sw.Elapsed.TotalSeconds:F1} s");
        }
        var spec = JsonSerializer.Serialize(new ClassifierCheckpointSpec(Kind, o), RunFolder.JsonOptions);
        Checkpoint.Save(folder.File(CheckpointFile), new CheckpointData(spec, [new NamedArray<float>("theta", theta.Data)], [],
            new Dictionary<string, RngState>(), new Dictionary<string, long> { ["epochs"] = o.Epochs }));
        folder.WriteMetrics(new ClassifierMetrics(o.Model.ToString(), o.Dataset, o.Seed, o.Epochs, acc, testJ, data.Test.N,
                                                  sw.Elapsed.TotalSeconds, blas.Describe()));
        return new ClassifierRun(folder.Path, o, theta.Data, acc);
    }

    /// <summary>Accuracy and mean log softmax[y] on a labelled set, in batches.</summary>
    static (double Accuracy, double LogLik) Evaluate(Classifier net, float[] theta, ImageSet set)
    {
        var x = new float[EvalRows * set.D];
        int correct = 0; double j = 0;
        for (int start = 0; start < set.N; start += EvalRows)
        {
            int rows = Math.Min(EvalRows, set.N - start);
            set.CopyRows(start, rows, x);
            net.Forward(theta, x, rows);
            j += net.LogLikelihood(set.Labels.AsSpan(start, rows), rows) * rows;
            var p = net.Logits;
            for (int r = 0; r < rows; r++)
            {
                int best = 0;
                for (int k = 1; k < net.Spec.Classes; k++) if (p[r * net.Spec.Classes + k] > p[r * net.Spec.Classes + best]) best = k;
                if (best == set.Labels![start + r]) correct++;
            }
        }
        return ((double)correct / set.N, j / set.N);
    }

    /// <summary>Features [n, F] (penultimate ReLU layer) and softmax probabilities [n, C] of images x [n, D].</summary>
    public (float[] Features, float[] Probabilities) Embed(ReadOnlySpan<float> x, int n, IBlas blas)
    {
        var spec = Options.Model;
        if (x.Length != (long)n * spec.D) throw new ArgumentException($"images hold {x.Length} floats, expected n * D = {n} * {spec.D}");
        var net = new Classifier(spec, blas, EvalRows);
        var f = new float[n * spec.Features]; var p = new float[n * spec.Classes];
        for (int start = 0; start < n; start += EvalRows)
        {
            int rows = Math.Min(EvalRows, n - start);
            net.Forward(Theta, x.Slice(start * spec.D, rows * spec.D), rows);
            net.Features[..(rows * spec.Features)].CopyTo(f.AsSpan(start * spec.Features));
            net.Softmax(rows);
            net.Logits[..(rows * spec.Classes)].CopyTo(p.AsSpan(start * spec.Classes));
        }
        return (f, p);
    }
}
