// The datasets the page knows: names, class names, where to get them, which ship with the page
// (their file names come from Rust: wasm.bundledFiles).

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const MNIST_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

export const KINDS = {
  'mnist-subset': { label: 'MNIST subset', classes: DIGITS, noun: 'a handwritten', bundled: true },
  mnist: { label: 'MNIST (full)', classes: DIGITS, noun: 'a handwritten', source: 'https://yann.lecun.com/exdb/mnist/ or a mirror' },
  'fashion-mnist': { label: 'Fashion-MNIST', classes: FASHION, noun: 'a photo of a', source: 'https://github.com/zalandoresearch/fashion-mnist' },
  // Bundled but fetched only when chosen (~14 MB); the service worker keeps it for offline use.
  'cifar10-subset': { label: 'CIFAR-10 subset', classes: CIFAR, noun: 'a photo of a', bundled: true },
  cifar10: { label: 'CIFAR-10 (full)', classes: CIFAR, noun: 'a photo of a', source: 'https://www.cs.toronto.edu/~kriz/cifar.html (the binary version)' },
  // The Q&A "ReLU worse than sigmoid?": six examples of three bits, built into the engine (no files).
  qa: { label: 'Q&A: six 3-bit examples', classes: ['0', '1'], noun: 'an example of', builtIn: true },
};
/** The dataset of the first load. */
export const DEFAULT_KIND = 'mnist-subset';

export function kindLabel(/** @type {string} */ kind) { return KINDS[kind]?.label ?? kind; }
