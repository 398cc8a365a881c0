print("charrnn: under construction")
