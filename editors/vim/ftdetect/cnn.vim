" Files ending in .cnn are cnnc model files.
autocmd BufRead,BufNewFile *.cnn setfiletype cnn
