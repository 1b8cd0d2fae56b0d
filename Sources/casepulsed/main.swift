print("casepulsed")
